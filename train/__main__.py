"""``python -m train --train FILE --valid FILE --out DIR [--preset NAME] [...]``"""

from __future__ import annotations

import sys

from .config import config_from_args


def main(argv: list[str] | None = None) -> int:
    config = config_from_args(argv)
    from .data import DataError
    from .trainer import Trainer

    try:
        summary = Trainer(config).run()
    except (DataError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("aborted without saving (the last checkpoint is still there)", file=sys.stderr)
        return 130
    return 130 if summary["interrupted"] else 0


if __name__ == "__main__":
    sys.exit(main())
