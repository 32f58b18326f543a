"""Where a test finds the files of the index that searches read (plans/search/engines/whoosh/engine.py)."""

from pathlib import Path


def current_folder(root: Path) -> Path:
    """The folder CURRENT names under the configured index folder."""
    return root / (root / "CURRENT").read_text(encoding="utf-8").strip()


def current_files(root: Path) -> list[Path]:
    """Every file of the current index (not its lock)."""
    return sorted(p for p in current_folder(root).iterdir() if p.is_file() and not p.name.endswith("LOCK"))


def lose_everything(root: Path) -> None:
    """The index volume was lost: nothing left under it."""
    import shutil

    for path in root.iterdir():
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
