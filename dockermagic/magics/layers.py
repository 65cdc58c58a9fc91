"""`%docker_layers` (what each layer holds; two images compared) and `%docker_diff`."""

from __future__ import annotations

from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from .args import parse_line
from .base import MagicsArea, reports_errors


@magics_class
class LayerMagics(MagicsArea):
    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("--filter", default=None, metavar="PATTERN",
              help="Show only these paths: /etc (a folder and what is below it), a glob (*.so, /usr/*/lib*) or any part of a name (motd). The result keeps every file.")
    @argument("images", nargs="+", metavar="IMAGE", help="IMAGE: its layers file by file; IMAGE1 IMAGE2: the two compared.")
    def docker_layers(self, line):
        """The files each layer of IMAGE adds, modifies and removes, and the space it wastes.

        Read from the engine's save stream (`docker save`), never held in memory or on disk;
        a layer read once in this kernel is not read again.  Whiteouts and opaque directories are
        applied as the storage driver applies them; waste and efficiency are counted as dive
        counts them.  Returns an `ImageLayers` (`.layers` base first, each with `.files`:
        `.path`, `.change` -- added, modified or removed --, `.size`; `.wasted_bytes`,
        `.efficiency`).  With two images: a `LayerComparison` (`.shared` layers, then
        `.differences`, every file that differs).
        """
        from ..images.layers import LayerReading, check_images
        from ..views import formatters
        from ..views.layers import LayersView
        from ..views.live import run

        args = parse_line(self.docker_layers, line)
        check_images(args.images)  # a bad name says so, also where no engine answers
        reading = LayerReading(self.engine(), args.images)
        view = LayersView(args.images, args.filter, **self.settings.view_options())
        run(view, reading.events())
        return formatters.shown(reading.result, getattr(self.shell, "execution_count", None), view.mode)

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("container", help="CONTAINER (name or id).")
    def docker_diff(self, line):
        """What changed in a container's filesystem since it started from its image, as `docker
        diff` prints it: `A` added, `C` changed, `D` deleted.  Returns a `ContainerDiff`."""
        from ..images.layers import container_diff

        args = parse_line(self.docker_diff, line)
        return container_diff(self.engine(), args.container)
