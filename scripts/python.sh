#!/usr/bin/env bash
# Prints the path of a Python >= 3.12 interpreter (Django 6 needs it; the default python3
# here is 3.11, with which pip would quietly install an older Django).
# pyenv shims such as `python3.12` may be on PATH and still fail, so every candidate is run.
set -uo pipefail

# 3.12 first: it is the version the pinned requirements are tested with.
candidates=(python3.12 python3.13)
if command -v pyenv >/dev/null 2>&1; then
    for v in 3.12 3.13; do
        prefix=$(pyenv prefix "$v" 2>/dev/null) && candidates+=("$prefix/bin/python")
    done
fi
candidates+=(/root/.pyenv/versions/3.12*/bin/python /root/.pyenv/versions/3.13*/bin/python
            /usr/local/bin/python3.1[23] /usr/bin/python3.1[23])
candidates+=(python3)

for c in "${candidates[@]}"; do
    # Resolve the candidate to an absolute path printed by the interpreter itself, which
    # also proves it runs (a failing shim prints nothing and exits non-zero).
    path=$("$c" -c 'import sys; print(sys.executable) if sys.version_info >= (3, 12) else sys.exit(1)' 2>/dev/null) \
        && [ -n "$path" ] && { echo "$path"; exit 0; }
done
echo "python.sh: no Python >= 3.12 found (tried: ${candidates[*]})." >&2
echo "python.sh: install one, e.g. 'pyenv install 3.12', and retry." >&2
exit 1
