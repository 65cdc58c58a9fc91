/**
 * dockermagic's JupyterLab 4 / Notebook 7 extension: `%%dockerfile`, `%%compose` and
 * `%%context_file NAME` cells are highlighted as the file they write (Dockerfile, YAML,
 * NAME's type), their first line as IPython.
 *
 * Only code cells of notebooks whose kernel language is Python are touched, and only while
 * their source starts with one of those cell magics: file editors, consoles, other kernels'
 * cells and every other cell keep the language JupyterLab gives them.  Nothing is written to
 * the notebook: the cell's model keeps its MIME type; the language lives in a compartment of
 * that one editor, set again each time the cell's source changes.
 */

import type { LanguageSupport } from '@codemirror/language';
import { Compartment, Prec } from '@codemirror/state';
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import type { Cell } from '@jupyterlab/cells';
import {
  CodeMirrorEditor,
  IEditorLanguageRegistry
} from '@jupyterlab/codemirror';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import { cellLanguage } from './language';
import { cellBody, IBody } from './magics';

/** The attribute a cell's node carries while it is highlighted by this extension. */
const MARK = 'data-dockermagic-language';

/** The mixed languages already made, one per body language. */
class Languages {
  private _made = new Map<string, Promise<LanguageSupport>>();

  constructor(private readonly registry: IEditorLanguageRegistry) {}

  /** The key of a body: the registry's name of its language ('' when it has none). */
  key(body: IBody): string {
    const spec = body.fileName
      ? this.registry.findByFileName(body.fileName)
      : this.registry.findByName(body.language ?? '');
    return spec?.name ?? '';
  }

  get(key: string): Promise<LanguageSupport> {
    let made = this._made.get(key);
    if (!made) {
      made = this._make(key);
      this._made.set(key, made);
      made.catch(() => this._made.delete(key));
    }
    return made;
  }

  private async _make(key: string): Promise<LanguageSupport> {
    const head = await this.registry.getLanguage('ipython');
    const body = key ? await this.registry.getLanguage(key) : null;
    if (!head?.support) {
      throw new Error('JupyterLab has no IPython language');
    }
    return cellLanguage(key || 'text', head.support, body?.support ?? null);
  }
}

/** One cell's editor: which body language it shows, switched as its first line changes. */
class CellHighlighter {
  private _compartment = new Compartment();
  private _key: string | null = null;
  private _model: Cell['model']; // a disposed cell has no model: kept to disconnect from it

  constructor(
    private readonly cell: Cell,
    private readonly editor: CodeMirrorEditor,
    private readonly languages: Languages,
    private readonly isPython: () => boolean
  ) {
    this._model = cell.model;
    editor.injectExtension(this._compartment.of([]));
    this._model.contentChanged.connect(this.update, this);
    this.update();
  }

  dispose(): void {
    this._model.contentChanged.disconnect(this.update, this);
  }

  /** Read the first line again; reconfigure the editor when the body's language changed. */
  update(): void {
    if (this.cell.isDisposed) {
      return;
    }
    const body = this.isPython() ? cellBody(this._model.sharedModel.getSource()) : null;
    const key = body ? this.languages.key(body) : null;
    if (key === this._key) {
      return;
    }
    this._key = key;
    const support = key === null ? Promise.resolve(null) : this.languages.get(key);
    // always after a promise: never a dispatch inside CodeMirror's own update
    support
      .then(language => {
        if (this._key !== key || this.cell.isDisposed) {
          return; // the first line changed again meanwhile
        }
        this.editor.editor.dispatch({
          effects: this._compartment.reconfigure(language ? Prec.highest(language) : [])
        });
        if (key === null) {
          this.cell.node.removeAttribute(MARK);
        } else {
          this.cell.node.setAttribute(MARK, key || 'text');
        }
      })
      .catch(reason => console.error('dockermagic: no language for this cell', reason));
  }
}

/** A notebook's code cells, each given a CellHighlighter once its editor exists. */
class NotebookHighlighter {
  private _cells = new WeakMap<Cell, CellHighlighter | null>();
  private _live = new Set<CellHighlighter>();

  constructor(
    private readonly panel: NotebookPanel,
    private readonly languages: Languages
  ) {
    panel.context.ready.then(() => {
      const model = panel.content.model;
      if (!model || panel.isDisposed) {
        return;
      }
      model.cells.changed.connect(this._scan, this);
      model.metadataChanged.connect(this._refresh, this);
      this._scan();
    });
  }

  /** The kernel's language, as the notebook records it: Python only. */
  isPython(): boolean {
    const model = this.panel.content.model;
    const info = model?.getMetadata('language_info') as { name?: string } | undefined;
    const spec = model?.getMetadata('kernelspec') as { language?: string } | undefined;
    return String(info?.name ?? spec?.language ?? '').toLowerCase() === 'python';
  }

  private _scan(): void {
    for (const cell of this.panel.content.widgets) {
      if (cell.model.type !== 'code' || this._cells.has(cell)) {
        continue;
      }
      this._cells.set(cell, null);
      void cell.ready.then(() => {
        const editor = cell.editor;
        if (cell.isDisposed || !(editor instanceof CodeMirrorEditor)) {
          return;
        }
        const highlighter = new CellHighlighter(cell, editor, this.languages, () => this.isPython());
        this._cells.set(cell, highlighter);
        this._live.add(highlighter);
        cell.disposed.connect(() => {
          highlighter.dispose();
          this._live.delete(highlighter);
        });
      });
    }
  }

  /** The kernel (so its language) may have changed: every cell reads its first line again. */
  private _refresh(): void {
    for (const highlighter of this._live) {
      highlighter.update();
    }
  }
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'dockermagic:highlight',
  description: "Highlights dockermagic's cell magics as the files they write.",
  autoStart: true,
  requires: [INotebookTracker, IEditorLanguageRegistry],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    registry: IEditorLanguageRegistry
  ) => {
    const languages = new Languages(registry);
    notebooks.forEach(panel => new NotebookHighlighter(panel, languages)); // opened before this ran
    notebooks.widgetAdded.connect((_, panel) => new NotebookHighlighter(panel, languages));
  }
};

export default plugin;
