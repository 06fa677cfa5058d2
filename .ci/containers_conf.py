"""Writes a private containers.conf for podman: the settings of every containers.conf podman
would read on its own, merged in its order (later files win, key by key), plus
`default_ulimits = []` in [containers]. Pointed at by CONTAINERS_CONF, that file is the only
one podman reads, so nothing the machine configures is lost, and nothing under /etc changes.

Usage: python3 .ci/containers_conf.py OUTPUT
Prints the files it merged, one a line.
"""

import json
import os
import re
import sys
import tomllib
from pathlib import Path


def sources():
    """The files podman 4 reads without CONTAINERS_CONF, in its order (containers.conf(5))."""
    found = []

    def add(path):
        if path.is_file():
            found.append(path)

    def add_with_drop_ins(path):
        add(path)
        drop_ins = Path(f"{path}.d")
        if drop_ins.is_dir():
            for conf in sorted(drop_ins.glob("*.conf")):
                add(conf)

    add(Path("/usr/share/containers/containers.conf"))
    add_with_drop_ins(Path("/etc/containers/containers.conf"))
    if os.geteuid() != 0:
        config_home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
        add_with_drop_ins(config_home / "containers" / "containers.conf")
    return found


def merge(into, table):
    for key, value in table.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            merge(into[key], value)
        else:
            into[key] = value


def key(name):
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name, ensure_ascii=False)


def value(item):
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, (int, float)):
        return repr(item)
    if isinstance(item, str):
        return json.dumps(item, ensure_ascii=False)
    if isinstance(item, list):
        return "[" + ", ".join(value(element) for element in item) + "]"
    if isinstance(item, dict):
        return "{" + ", ".join(f"{key(k)} = {value(v)}" for k, v in item.items()) + "}"
    raise TypeError(f"cannot write {item!r} as TOML")


def write(table, path, lines):
    scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in table.items() if isinstance(v, dict)}
    if path:
        lines.append(f"[{'.'.join(key(part) for part in path)}]")
    lines.extend(f"{key(k)} = {value(v)}" for k, v in scalars.items())
    for name, sub in tables.items():
        write(sub, path + [name], lines)


def main():
    output = Path(sys.argv[1])
    settings = {}
    merged = sources()
    for source in merged:
        with open(source, "rb") as file:
            merge(settings, tomllib.load(file))
    # Without this, podman asks runc to set RLIMIT_NOFILE, which a sandboxed kernel can refuse:
    # "error setting rlimit type 7: operation not permitted".
    settings.setdefault("containers", {})["default_ulimits"] = []
    lines = ["# Written by .ci/containers_conf.py from: " + (", ".join(map(str, merged)) or "no file")]
    write(settings, [], lines)
    text = "\n".join(lines) + "\n"
    assert tomllib.loads(text) == settings, "the written file does not read back the same"
    partial = output.with_name(output.name + ".partial")
    partial.write_text(text)
    partial.replace(output)
    for source in merged:
        print(source)


if __name__ == "__main__":
    main()
