"""Regular expressions compiled on first use.

The language readers hold hundreds of patterns; compiling all of them costs tens of
milliseconds, which `import` should not pay for a command that never reads a sentence.
"""

from __future__ import annotations

import re


class LazyPattern:
    """A regular expression compiled on first use: compiling all of them costs tens of
    milliseconds, which `import` should not pay for a command that never reads a sentence."""

    def __init__(self, pattern: str, flags: int = 0):
        self.pattern, self.flags = pattern, flags

    def _compiled(self) -> re.Pattern:
        compiled = re.compile(self.pattern, self.flags)
        # From now on the instance attributes answer directly, without this detour.
        self.finditer, self.findall, self.search = compiled.finditer, compiled.findall, compiled.search
        self.match, self.fullmatch = compiled.match, compiled.fullmatch
        return compiled

    def finditer(self, *args):
        return self._compiled().finditer(*args)

    def findall(self, *args):
        return self._compiled().findall(*args)

    def search(self, *args):
        return self._compiled().search(*args)

    def match(self, *args):
        return self._compiled().match(*args)

    def fullmatch(self, *args):
        return self._compiled().fullmatch(*args)
