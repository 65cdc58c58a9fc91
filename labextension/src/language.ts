/**
 * A CodeMirror 6 language for a cell magic's cell: the first line is parsed by JupyterLab's
 * IPython language, the rest by the body's language (Dockerfile, YAML, ...), both taken from
 * JupyterLab's own language registry and mounted with Lezer's `parseMixed` -- the way
 * CodeMirror nests a fenced code block's language inside Markdown.
 */

import {
  defineLanguageFacet,
  Language,
  languageDataProp,
  LanguageSupport
} from '@codemirror/language';
import type { Extension } from '@codemirror/state';
import {
  Input,
  NodeType,
  parseMixed,
  Parser,
  PartialParse,
  Tree,
  TreeFragment
} from '@lezer/common';

const data = defineLanguageFacet();
const cellType = NodeType.define({
  id: 0,
  name: 'DockermagicCell',
  top: true,
  props: [[languageDataProp, data]]
});
const magicLineType = NodeType.define({ id: 1, name: 'MagicLine' });
const bodyType = NodeType.define({ id: 2, name: 'Body' });

/**
 * Splits a cell into its first line and the rest: a tree of two nodes, made at once (it
 * only looks for the first line break); the languages inside are parsed by `parseMixed`.
 */
class CellSplitter extends Parser {
  constructor(private readonly mixed: ReturnType<typeof parseMixed>) {
    super();
  }

  createParse(
    input: Input,
    fragments: readonly TreeFragment[],
    ranges: readonly { from: number; to: number }[]
  ): PartialParse {
    const from = ranges[0].from;
    const to = ranges[ranges.length - 1].to;
    return this.mixed(new SplitParse(input, from, to), input, fragments, ranges);
  }
}

class SplitParse implements PartialParse {
  parsedPos: number;
  stoppedAt: number | null = null;

  constructor(
    private readonly input: Input,
    private readonly from: number,
    private readonly to: number
  ) {
    this.parsedPos = from;
  }

  /** The split is made in one step: there is nowhere to stop. */
  stopAt(): void {}

  advance(): Tree {
    this.parsedPos = this.to;
    return splitCell(this.input, this.from, this.to);
  }
}

function splitCell(input: Input, from: number, to: number): Tree {
  let end = from; // the first line break, or `to`
  while (end < to) {
    const chunk = input.read(end, Math.min(to, end + 512));
    const at = chunk.indexOf('\n');
    if (at >= 0) {
      end += at;
      break;
    }
    end += chunk.length;
  }
  const children: Tree[] = [new Tree(magicLineType, [], [], end - from)];
  const positions = [0];
  if (end + 1 < to) {
    children.push(new Tree(bodyType, [], [], to - end - 1));
    positions.push(end + 1 - from);
  }
  return new Tree(cellType, children, positions, to - from);
}

/**
 * The language of a cell: `head` (IPython) on its first line, `body` on the rest, or no
 * language on the rest when `body` is null (a context file of a type JupyterLab does not know).
 */
export function cellLanguage(
  name: string,
  head: LanguageSupport,
  body: LanguageSupport | null
): LanguageSupport {
  const mixed = parseMixed(node => {
    if (node.type === magicLineType) {
      return { parser: head.language.parser };
    }
    if (node.type === bodyType && body) {
      return { parser: body.language.parser };
    }
    return null;
  });
  const language = new Language(data, new CellSplitter(mixed), [], `dockermagic-${name}`);
  // the languages' own extras (indentation, builtins, completion sources keyed to their data)
  const extras: Extension[] = [head.support];
  if (body) {
    extras.push(body.support);
  }
  return new LanguageSupport(language, extras);
}
