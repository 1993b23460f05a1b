"""Help > User guide: docs/user-guide.md rendered in the app (Qt reads Markdown itself), with
its screenshots and links to the other guides in docs/."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QImageReader, QTextCursor
from PySide6.QtWidgets import QDialog, QTextBrowser, QVBoxLayout, QWidget

GUIDE = "user-guide.md"


class UserGuideDialog(QDialog):
    """A browser over the docs folder: links between the guides stay inside; web links go
    to the desktop's browser."""

    def __init__(self, docs: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("caseapp \u2014 User guide")
        self.docs = docs
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("user_guide")
        self.browser.setOpenLinks(False)
        self.browser.setSearchPaths([str(docs)])
        self.browser.anchorClicked.connect(self._on_browser_anchor_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.browser)
        self.resize(900, 760)
        self.show_page(GUIDE)

    def show_page(self, name: str) -> None:
        path = self.docs / name
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            text = (f"# User guide not found\n\nThis installation has no `{path}`. The guides "
                    "are in the `docs/` folder of the caseapp sources.")
        self.browser.document().setBaseUrl(QUrl.fromLocalFile(str(path)))
        self.browser.setMarkdown(text)
        self._fit_images(760)
        self.setWindowTitle(f"caseapp \u2014 {name}")

    def _fit_images(self, width: int) -> None:
        """Screenshots at most `width` pixels wide (Markdown has no image size)."""
        doc = self.browser.document()
        block = doc.begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                fragment = it.fragment()
                fmt = fragment.charFormat()
                if fmt.isImageFormat():
                    image = fmt.toImageFormat()
                    size = QImageReader(str(self.docs / image.name())).size()
                    if size.isValid() and size.width() > width:
                        image.setWidth(width)
                        image.setHeight(size.height() * width / size.width())
                        cursor = QTextCursor(doc)
                        cursor.setPosition(fragment.position())
                        cursor.setPosition(fragment.position() + fragment.length(),
                                           QTextCursor.MoveMode.KeepAnchor)
                        cursor.setCharFormat(image)
                it += 1
            block = block.next()

    def _on_browser_anchor_clicked(self, url: QUrl) -> None:
        if url.scheme() in ("http", "https", "mailto"):
            QDesktopServices.openUrl(url)
            return
        if url.hasFragment() and not url.path():
            self.browser.scrollToAnchor(url.fragment())
            return
        name = Path(url.toLocalFile() or url.path()).name
        if name.endswith(".md") and (self.docs / name).exists():
            self.show_page(name)
            if url.hasFragment():
                self.browser.scrollToAnchor(url.fragment())
