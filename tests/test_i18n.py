"""Translations: the pages speak Simplified Chinese by default, English on request, and the catalog in
platform/core/locale is complete, free of fuzzy entries, and compiled (the .mo is committed and must match the .po).
"""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LC_MESSAGES = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"


# ------------------------------------------------------------------------------------------------ .po parser
@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> str:
        """The key gettext's .mo catalog uses for a singular entry."""
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """Entries of a .po file (the header included as the entry with msgid ""); obsolete (#~) entries skipped."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None

    def finish():
        nonlocal current, target
        if current is not None:
            entries.append(current)
        current, target = None, None

    def append(value: str):
        kind, index = target
        if kind == "msgstr":
            current.msgstr[index] += value
        else:
            setattr(current, kind, (getattr(current, kind) or "") + value)

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            if not line:
                finish()
            continue
        if line.startswith("#"):
            if current is not None and target is not None and target[0] == "msgstr":
                finish()  # a comment after a msgstr starts the next entry
            if current is None:
                current = Entry(line=number)
            if line.startswith("#,"):
                current.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith('"'):
            append(_unquote(line))
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and current is not None and target is not None and target[0] == "msgstr":
            finish()
        if current is None:
            current = Entry(line=number)
        if keyword == "msgctxt":
            current.msgctxt, target = _unquote(rest), ("msgctxt", None)
        elif keyword == "msgid":
            current.msgid, target = _unquote(rest), ("msgid", None)
        elif keyword == "msgid_plural":
            current.msgid_plural, target = _unquote(rest), ("msgid_plural", None)
        elif keyword == "msgstr":
            current.msgstr[0], target = _unquote(rest), ("msgstr", 0)
        elif (match := re.fullmatch(r"msgstr\[(\d+)\]", keyword)) is not None:
            index = int(match.group(1))
            current.msgstr[index], target = _unquote(rest), ("msgstr", index)
        else:
            raise AssertionError(f"{path}:{number}: cannot parse {raw!r}")
    finish()
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    assert PO.is_file(), f"{PO} is missing: run `manage.py makemessages -l zh_Hans` from the repository root"
    return parse_po(PO)


@pytest.fixture(scope="module")
def messages(po_entries) -> list[Entry]:
    """The translatable entries (without the header)."""
    return [entry for entry in po_entries if entry.msgid != "" or entry.msgctxt is not None]


# ---------------------------------------------------------------------------------------------------- pages
def _text(response) -> str:
    return response.content.decode()


def test_login_page_is_in_chinese_by_default(tenant_a, client_for):
    response = client_for(tenant_a).get("/accounts/login/")
    assert response.status_code == 200
    page = _text(response)
    assert 'lang="zh-hans"' in page
    assert "登录" in page
    assert "用户名" in page
    assert "密码" in page
    assert "帮扶平台" in page
    assert "Log in" not in page
    assert "Username" not in page


def test_set_language_switches_the_login_page_to_english(tenant_a, client_for):
    client = client_for(tenant_a)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = _text(client.get("/accounts/login/"))
    assert 'lang="en"' in page
    assert "Log in" in page
    assert "Username" in page
    assert "登录" not in page

    # And back to Chinese.
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/accounts/login/"})
    assert "登录" in _text(client.get("/accounts/login/"))


def test_language_cookie_and_accept_language_choose_english(tenant_a, client_for):
    by_header = _text(client_for(tenant_a, HTTP_ACCEPT_LANGUAGE="en").get("/accounts/login/"))
    assert "Log in" in by_header and "登录" not in by_header

    client = client_for(tenant_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    by_cookie = _text(client.get("/accounts/login/"))
    assert "Log in" in by_cookie and "登录" not in by_cookie


def test_failed_login_message_is_in_chinese(tenant_a, client_for):
    response = client_for(tenant_a).post("/accounts/login/", {"username": "alice", "password": "wrong"})
    assert response.status_code == 400
    assert "请输入正确的用户名和密码。" in _text(response)


def test_home_navigation_is_in_chinese_for_alice(tenant_a, client_for, persona):
    response = client_for(tenant_a, persona("alice")).get("/")
    assert response.status_code == 200
    page = _text(response)
    nav = re.search(r'<nav class="sidebar"[^>]*>(.*?)</nav>', page, re.S)
    assert nav is not None, "the home page has no navigation"
    assert 'aria-label="主导航"' in page
    labels = re.findall(r"<a [^>]*>([^<]*)</a>", nav.group(1))
    for label in ("首页", "成员", "插件", "系统管理"):
        assert label in labels, labels
    for english in ("Home", "Members", "Plugins", "Administration"):
        assert english not in labels, labels
    assert "退出登录" in page
    assert "租户管理员" in page  # alice's role, from the choices
    assert "县（市、区）总工会" in page  # tenant_a's kind


def test_home_navigation_in_english_when_asked(tenant_a, client_for, persona):
    page = _text(client_for(tenant_a, persona("alice"), HTTP_ACCEPT_LANGUAGE="en").get("/"))
    assert ">Home<" in page and ">Members<" in page
    assert "Log out" in page


# -------------------------------------------------------------------------------------------------- catalog
def test_catalog_header_declares_chinese_plural_forms(po_entries):
    headers = [entry for entry in po_entries if entry.msgid == "" and entry.msgctxt is None]
    assert len(headers) == 1
    header = headers[0]
    assert "fuzzy" not in header.flags
    text = header.msgstr[0]
    assert "Plural-Forms: nplurals=1; plural=0;" in text
    assert "Content-Type: text/plain; charset=UTF-8" in text
    assert "Language: zh_Hans" in text


def test_every_msgid_has_a_chinese_translation(messages):
    assert len(messages) > 50, "the catalog looks truncated: run makemessages from the repository root"
    missing = [entry.msgid for entry in messages if not all(s.strip() for s in entry.msgstr.values())]
    assert not missing, f"untranslated in {PO}: {missing}"
    # Plural entries need every form zh_Hans declares (one).
    for entry in messages:
        if entry.msgid_plural is not None:
            assert sorted(entry.msgstr) == [0], entry.msgid


def test_no_fuzzy_entries(messages):
    fuzzy = [entry.msgid for entry in messages if "fuzzy" in entry.flags]
    assert not fuzzy, f"fuzzy entries in {PO}: {fuzzy}"


def test_translations_keep_placeholders(messages):
    pattern = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifrx%]|\{[^{}]*\}")
    for entry in messages:
        wanted = sorted(pattern.findall(entry.msgid))
        for msgstr in entry.msgstr.values():
            assert sorted(pattern.findall(msgstr)) == wanted, (entry.msgid, msgstr)


def test_translations_are_chinese(messages):
    """Every msgstr holds Chinese text (catches an English string pasted back as its own translation)."""
    not_chinese = [
        (entry.msgid, s) for entry in messages for s in entry.msgstr.values() if not re.search(r"[\u4e00-\u9fff]", s)
    ]
    assert not not_chinese, not_chinese


def test_catalog_covers_the_source(messages):
    """The catalog was made from the whole code base: core, tenants and the templates all contributed."""
    references = {entry.msgid for entry in messages}
    for msgid in ("Log in", "Tenants", "Municipal union", "Tenant administrator", "Unknown role."):
        assert msgid in references, msgid
    locale_dirs = {
        path.parent.parent.parent
        for base in (settings.REPO_DIR / "platform", settings.REPO_DIR / "tenants", settings.REPO_DIR / "worker")
        for path in base.rglob("django.po")
    }
    assert locale_dirs == {Path(settings.LOCALE_PATHS[0])}, "stray per-app catalogs: keep one in platform/core/locale"


def test_msgfmt_accepts_the_catalog(tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("msgfmt (gettext) is not installed")
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", str(tmp_path / "django.mo"), str(PO)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_compiled_mo_matches_the_po(messages):
    """The committed .mo holds exactly the .po's translations (re-run `manage.py compilemessages` if not)."""
    assert MO.is_file(), f"{MO} is missing: run `manage.py compilemessages -l zh_Hans`"
    with MO.open("rb") as handle:
        catalog = dict(gettext.GNUTranslations(handle)._catalog)
    catalog.pop("", None)  # the header
    expected: dict = {}
    for entry in messages:
        if entry.msgid_plural is None:
            expected[entry.key] = entry.msgstr[0]
        else:
            for index, msgstr in entry.msgstr.items():
                expected[(entry.key, index)] = msgstr
    stale = {key: (catalog.get(key), value) for key, value in expected.items() if catalog.get(key) != value}
    extra = sorted(str(key) for key in set(catalog) - set(expected))
    assert not stale and not extra, f"{MO} is out of date; stale: {stale}; not in the .po: {extra}"


def test_django_serves_the_catalog(messages):
    """Django loads this catalog for zh-hans: every singular msgid comes back as its msgstr."""
    with translation.override("zh-hans"):
        for entry in messages:
            if entry.msgid_plural is None and entry.msgctxt is None:
                assert translation.gettext(entry.msgid) == entry.msgstr[0], entry.msgid
    with translation.override("en"):
        assert translation.gettext("Log in") == "Log in"
