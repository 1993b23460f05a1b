"""Company and person names reduced to the parts that tell one entity from another.

A name is case-folded and transliterated (traditional Chinese to simplified with OpenCC, Han
characters to pinyin with `pypinyin`, other scripts with `anyascii`), then split into tagged
parts: legal forms ("Co., Ltd.", "有限公司", "S.A. de C.V.", "GmbH", ...) are dropped, industry
words are replaced by one canonical word ("Biotech", "Biotechnology", "Bio-Tech" and 生物科技 are
all `biotech`), places (Chinese provinces and large cities) are set apart, and what is left is
the trade name. Two names are compared on their trade names (docs/matching.md).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from anyascii import anyascii

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_DOTTED = re.compile(r"(?<=\b\w)\.(?=\w\b)|(?<=\b\w\w)\.(?=\s|$)|(?<=\w)\.(?=\w\.)")

# Han words handled before pinyin (longest first): legal forms vanish, the rest become words.
HAN_WORDS: dict[str, str] = {
    "股份有限公司": "", "有限责任公司": "", "有限公司": "", "株式会社": "", "公司": "",
    "生物科技": " biotech ", "生物技术": " biotech ", "生物工程": " biotech ",
    "医药科技": " pharma tech ", "医药": " pharma ", "制药": " pharma ", "药业": " pharma ",
    "化工": " chemical ", "化学": " chemical ", "科技": " tech ", "技术": " tech ",
    "新材料": " material ", "材料": " material ", "贸易": " trading ", "商贸": " trading ",
    "进出口": " import export ", "物流": " logistics ", "货运": " logistics ",
    "国际": " international ", "实业": " industrial ", "工业": " industrial ",
    "集团": " group ", "发展": " development ", "科学": " science ", "控股": " holding ",
    "湖北": " @hubei ", "武汉": " @wuhan ", "上海": " @shanghai ", "北京": " @beijing ",
    "广州": " @guangzhou ", "深圳": " @shenzhen ", "河北": " @hebei ", "河南": " @henan ",
    "山东": " @shandong ", "江苏": " @jiangsu ", "浙江": " @zhejiang ", "广东": " @guangdong ",
    "福建": " @fujian ", "湖南": " @hunan ", "安徽": " @anhui ", "江西": " @jiangxi ",
    "四川": " @sichuan ", "天津": " @tianjin ", "重庆": " @chongqing ", "杭州": " @hangzhou ",
    "南京": " @nanjing ", "苏州": " @suzhou ", "郑州": " @zhengzhou ", "济南": " @jinan ",
    "青岛": " @qingdao ", "厦门": " @xiamen ", "宁波": " @ningbo ", "石家庄": " @shijiazhuang ",
    "合肥": " @hefei ", "长沙": " @changsha ", "成都": " @chengdu ", "香港": " @hongkong ",
    "中国": " @china ", "宜昌": " @yichang ", "烟台": " @yantai ", "大连": " @dalian ",
}
_HAN_KEYS = sorted(HAN_WORDS, key=len, reverse=True)

def _by_first_word(table: list[tuple[str, ...]]) -> dict[str, list[tuple[str, ...]]]:
    """Sequences grouped by their first word, longest first (so a scan tries only a few)."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for seq in table:
        out.setdefault(seq[0], []).append(seq)
    return out


# Legal forms as token sequences (after dots inside abbreviations are dropped).
LEGAL_FORMS: tuple[tuple[str, ...], ...] = tuple(tuple(f.split()) for f in (
    "sociedad anonima de capital variable", "sa de capital variable", "de capital variable",
    "sociedad de responsabilidad limitada", "company limited", "co ltd", "co limited", "pvt ltd", "private limited", "pte ltd",
    "pty ltd", "sdn bhd", "sa de cv", "s de rl de cv", "s de rl", "sapi de cv", "sab de cv",
    "sociedad anonima", "de cv", "youxian gongsi", "gufen youxian gongsi", "kabushiki kaisha",
    "limited", "ltd", "llc", "inc", "incorporated", "corp", "corporation", "co", "company",
    "gmbh", "ag", "bv", "nv", "sa", "sas", "sarl", "srl", "sl", "spa", "plc", "llp", "lp",
    "pvt", "pte", "pty", "kg", "ooo", "oy", "ab", "kk", "gongsi", "fzc", "fze", "jsc",
))
_LEGAL_SORTED = _by_first_word(sorted(LEGAL_FORMS, key=len, reverse=True))

# Industry words: every variant -> one canonical word (multi-word variants as sequences).
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "biotech": ("biotechnology", "biotechnologies", "biotechnological", "biotek",
                "bio tech", "bio technology", "biological technology", "biology technology",
                "shengwu keji", "shengwu jishu", "biotechnic"),
    "pharma": ("pharmaceutical", "pharmaceuticals", "pharmaceutics", "pharm", "pharmacy",
               "yiyao", "zhiyao", "yaoye", "medicine", "medicines", "medical"),
    "chemical": ("chemicals", "chem", "chemistry", "chemie", "quimica", "quimicos",
                 "huagong", "huaxue"),
    "tech": ("technology", "technologies", "technological", "technique", "keji", "jishu"),
    "trading": ("trade", "traders", "trader", "commerce", "commercial", "maoyi", "shangmao"),
    "logistics": ("logistic", "freight", "shipping", "wuliu", "forwarding"),
    "import export": ("imp exp", "import and export", "imports exports", "jinchukou",
                      "i e", "imp and exp"),
    "international": ("intl", "int l", "guoji", "internacional"),
    "industrial": ("industry", "industries", "shiye", "gongye"),
    "group": ("jituan", "grupo"),
    "material": ("materials", "new material", "new materials", "cailiao", "xincailiao"),
    "science": ("sciences", "sci", "kexue"),
    "holding": ("holdings", "konggu"),
    "development": ("fazhan", "develop"),
    "dto": ("drug trafficking organization", "drug trafficking organisation"),
}
SYNONYMS: dict[tuple[str, ...], str] = {
    tuple(v.split()): canon for canon, variants in _SYNONYMS.items()
    for v in (canon, *variants)}
_SYN_SORTED = _by_first_word(sorted(SYNONYMS, key=len, reverse=True))
INDUSTRY_WORDS = frozenset(w for canon in _SYNONYMS for w in canon.split())
# Places and generic words that say little about which company it is.
_PLACE_WORDS = (
    "hubei wuhan shanghai beijing guangzhou shenzhen hebei henan shandong jiangsu zhejiang "
    "guangdong fujian hunan anhui jiangxi sichuan tianjin chongqing hangzhou nanjing suzhou "
    "zhengzhou jinan qingdao xiamen ningbo shijiazhuang hefei changsha chengdu hongkong china "
    "yichang xian yantai dalian wenzhou dongguan foshan taizhou changzhou wuxi jinhua "
    "hong kong mexico sinaloa jalisco culiacan guadalajara india mumbai delhi")
PLACES = frozenset(_PLACE_WORDS.split())
_GENERIC_WORDS = "the and of y de del la los las el"
GENERIC = frozenset(_GENERIC_WORDS.split())


@dataclass(frozen=True)
class NameParts:
    """A name split into its tagged parts."""

    original: str
    trade: tuple[str, ...]        # the words that name the entity
    industry: frozenset[str]      # canonical industry words
    places: frozenset[str]        # place words
    legal: bool                   # a legal form was dropped

    @property
    def core(self) -> str:
        """The trade name as one string without spaces (its comparison form)."""
        return "".join(self.trade)

    @property
    def key(self) -> str:
        """The exact-match key: the trade name, or the whole name if it is all industry and
        place words ("Wuhan Chemical Co" keys as wuhanchemical, never as an empty string)."""
        if len(self.core) >= 3:
            return self.core
        return "".join(sorted(self.places)) + "".join(sorted(self.industry)) + self.core


@lru_cache(maxsize=1)
def _han_tools() -> tuple[Any, Any]:
    """OpenCC and pypinyin, loaded on the first Han name (pypinyin's dictionary takes ~0.7 s:
    commands that never meet a Chinese name do not pay for it)."""
    from opencc import OpenCC
    from pypinyin import lazy_pinyin
    return OpenCC("t2s"), lazy_pinyin


def _han_to_latin(text: str, person: bool) -> str:
    t2s, lazy_pinyin = _han_tools()
    text = t2s.convert(text)

    def one(match: re.Match[str]) -> str:
        run = match.group(0)
        if person:
            syllables: list[str] = lazy_pinyin(run)
            # Surname first, then the given name as one word: 张小明 -> "zhang xiaoming".
            return " " + syllables[0] + " " + "".join(syllables[1:]) + " "
        out = run
        for word in _HAN_KEYS:
            out = out.replace(word, f"\x00{HAN_WORDS[word]}\x00")
        parts = []
        for piece in out.split("\x00"):
            if _HAN.search(piece):
                parts.append("".join(lazy_pinyin(piece)))
            else:
                parts.append(piece)
        return " " + " ".join(parts) + " "
    return _HAN.sub(one, text)


@lru_cache(maxsize=65536)
def fold(text: str, person: bool = False) -> tuple[str, ...]:
    """The words of a name in lower-case ASCII: Han to pinyin, other scripts transliterated."""
    text = unicodedata.normalize("NFKC", text or "")
    if _HAN.search(text):
        text = _han_to_latin(text, person)
    text = anyascii(text).lower()
    text = text.replace("&", " and ").replace("'", "")
    text = _DOTTED.sub("", text)          # s.a. -> sa, c.v. -> cv, co. -> co
    text = re.sub(r"(?<=[a-z])-(?=[a-z])", "", text)   # bio-tech -> biotech
    return tuple(w for w in re.split(r"[^a-z0-9@]+", text) if w)


def _strip(words: list[str], table: dict[str, list[tuple[str, ...]]]
           ) -> tuple[list[str], list[str]]:
    """Split `words` into those not in `table` and the canonical forms of those that are."""
    kept, found, i = [], [], 0
    while i < len(words):
        for seq in table.get(words[i], ()):
            if tuple(words[i:i + len(seq)]) == seq:
                found.append(" ".join(seq))
                i += len(seq)
                break
        else:
            kept.append(words[i])
            i += 1
    return kept, found


@lru_cache(maxsize=65536)
def company_parts(name: str) -> NameParts:
    """The parts of a company name (legal form dropped, industry words canonical)."""
    words = list(fold(name))
    places = {w.lstrip("@") for w in words if w.startswith("@")}
    words = [w for w in words if not w.startswith("@")]
    kept, legal = _strip(words, _LEGAL_SORTED)
    if not kept:  # a name that is only a legal form ("CORP") keeps it
        kept, legal = words, []
    rest, industry = _strip(kept, _SYN_SORTED)
    canon = {SYNONYMS[tuple(i.split())] for i in industry}
    trade = []
    for w in rest:
        if w in PLACES:
            places.add(w)
        elif w not in GENERIC:
            trade.append(w)
    return NameParts(name, tuple(trade), frozenset(canon), frozenset(places), bool(legal))


@lru_cache(maxsize=65536)
def person_parts(name: str) -> NameParts:
    """The parts of a person's name: every word folded ("ZAMBADA GARCIA, Ismael")."""
    words = tuple(w for w in fold(name, person=True) if w not in GENERIC)
    return NameParts(name, words, frozenset(), frozenset(), False)


def person_key(name: str) -> str:
    """Order-free key of a person's name: its words sorted and joined."""
    return "".join(sorted(person_parts(name).trade))


def plain_key(name: str) -> str:
    """A name up to case, spacing and punctuation ("LOS CHONEROS" = "Los  Choneros."): the
    test of an import row naming a record already in the database."""
    return " ".join(re.sub(r"[\W_]+", " ", unicodedata.normalize("NFKC", name).casefold())
                    .split())
