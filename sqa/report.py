"""One HTML report from the executed notebooks of a profile (``make reproduce``'s last step).

The notebooks papermill executed under ``results/<profile>/notebooks/`` are concatenated in
order, each under a heading, and rendered by nbconvert's HTML exporter (figures are already
embedded in the outputs, so the report is a single self-contained file).
"""
from __future__ import annotations

from pathlib import Path


def build_report(notebook_dir: str | Path, out_html: str | Path, title: str = "sqa report") -> Path:
    """Render every ``*.ipynb`` of ``notebook_dir`` (sorted by name) into one HTML file."""
    import nbformat
    from nbconvert import HTMLExporter

    notebook_dir, out_html = Path(notebook_dir), Path(out_html)
    paths = sorted(notebook_dir.glob("*.ipynb"))
    if not paths:
        raise FileNotFoundError(f"{notebook_dir}: no executed notebooks to render (run make reproduce first)")
    merged = nbformat.v4.new_notebook()
    merged.cells.append(nbformat.v4.new_markdown_cell(f"# {title}\n\n" + "\n".join(
        f"{i}. [{p.stem}](#{p.stem})" for i, p in enumerate(paths, 1))))
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        merged.cells.append(nbformat.v4.new_markdown_cell(f'<a id="{path.stem}"></a>\n\n---\n# {path.stem}'))
        merged.cells.extend(nb.cells)
    merged.metadata = nbformat.read(paths[0], as_version=4).metadata
    body, _ = HTMLExporter(exclude_input_prompt=True, exclude_output_prompt=True).from_notebook_node(merged)
    out_html.parent.mkdir(parents=True, exist_ok=True)
    out_html.write_text(body, encoding="utf-8")
    return out_html
