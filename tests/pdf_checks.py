"""What a PDF tells a reader and a screen reader before its text: its metadata and its structure, read with
pikepdf; and whether qpdf finds it well formed."""

import io
import subprocess
import tempfile

import pikepdf


def metadata(pdf: bytes) -> dict:
    """Title, Author, Producer (document information), Lang (catalog) and whether it is tagged (a structure tree,
    marked content)."""
    document = pikepdf.open(io.BytesIO(pdf))
    facts = {key: str(document.docinfo[f"/{key}"]) for key in ("Title", "Author", "Producer")
             if f"/{key}" in document.docinfo}
    facts["Lang"] = str(document.Root.get("/Lang", ""))
    mark_info = document.Root.get("/MarkInfo")
    facts["tagged"] = "/StructTreeRoot" in document.Root and bool(mark_info and mark_info.get("/Marked"))
    return facts


def qpdf_check(pdf: bytes) -> str:
    """qpdf --check's verdict: exit status 0 (2 is errors, 3 warnings), else the test fails with its report."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        run = subprocess.run(["qpdf", "--check", file.name], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def structure_types(pdf: bytes) -> set[str]:
    """The kinds of element in a tagged PDF's structure tree (/H1, /P, /L, /Table…), as a screen reader meets them."""
    document = pikepdf.open(io.BytesIO(pdf))
    found, pending, seen = set(), [document.Root.StructTreeRoot], set()
    while pending:
        node = pending.pop()
        if isinstance(node, pikepdf.Array):
            pending.extend(node)
            continue
        if not isinstance(node, pikepdf.Dictionary) or node.objgen in seen and node.objgen != (0, 0):
            continue
        seen.add(node.objgen)
        if "/S" in node:
            found.add(str(node.S))
        if "/K" in node:
            pending.append(node.K)
    return found
