#!/usr/bin/env bash
# Re-extract message ids from the code and merge them into the vi and en catalogs.
# Translate the new entries in content/locales/*/LC_MESSAGES/messages.po; the bot compiles the
# catalogs itself at start-up.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=".venv/bin/pybabel"
"$PYBABEL" -q extract -F babel.cfg -k t -k N_ -k plural:1,2 -k t.plural:1,2 --no-location \
    -o content/locales/messages.pot bot handlers content db >/dev/null
for locale in vi en; do
    po="content/locales/$locale/LC_MESSAGES/messages.po"
    if [ -f "$po" ]; then
        "$PYBABEL" update -i content/locales/messages.pot -d content/locales -l "$locale" --no-fuzzy-matching --ignore-obsolete >/dev/null
    else
        "$PYBABEL" init -i content/locales/messages.pot -d content/locales -l "$locale" >/dev/null
    fi
done
echo "catalogs updated"
