"""What every CLI command shares: the environment, the settings and the directory.

Loaded on first use, so a command pays only for what it reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.legislators import Directory
from bot.settings import Settings, load_settings


@dataclass
class AppContext:
    """What every command shares: the environment and the settings, loaded on first use."""

    environ: dict[str, str]
    settings_file: Path | None = None
    debug: bool = False
    _settings: Settings | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        """The effective settings (raises ConfigError on a bad settings file)."""
        if self._settings is None:
            self._settings = load_settings(self.settings_file, self.environ)
        return self._settings

    def directory(self, *, strict_overrides: bool = True) -> Directory:
        """Load the legislator directory and overrides named by the settings.

        Raises:
            DataError: the directory file is missing or broken.
            ConfigError: the overrides file has problems (file:line:column).
        """
        settings = self.settings
        return Directory.load(
            settings.legislators, settings.overrides, strict_overrides=strict_overrides
        )
