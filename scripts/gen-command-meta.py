#!/usr/bin/env python3
"""Generates src/commands/server_cmds/meta_table.rs from Redis's command JSON files.

Usage: scripts/gen-command-meta.py /path/to/redis/src/commands > src/commands/server_cmds/meta_table.rs

Redis describes every command in src/commands/*.json (arity, flags, ACL
categories, key specs, arguments, history, tips). COMMAND INFO, COMMAND DOCS,
COMMAND LIST FILTERBY ACLCAT and COMMAND GETKEYS answer from that data, so we
turn it into a static Rust table once, sorted by full name for binary search.

Derived values are computed here exactly as Redis computes them at start-up:
implicit ACL categories (setImplicitACLCategories), the legacy first/last/step
range and the movablekeys flag (populateCommandLegacyRangeSpec). Commands that
exist only in Sentinel mode are left out, as a non-sentinel server does.
"""
import glob
import json
import os
import sys

CMD_FLAGS = [
    "WRITE", "READONLY", "DENYOOM", "MODULE", "ADMIN", "PUBSUB", "NOSCRIPT",
    "BLOCKING", "LOADING", "STALE", "SKIP_MONITOR", "SKIP_SLOWLOG", "ASKING",
    "FAST", "NO_AUTH", "NO_MANDATORY_KEYS", "NO_ASYNC_LOADING", "NO_MULTI",
    "MOVABLE_KEYS", "ALLOW_BUSY", "MAY_REPLICATE", "SENTINEL", "ONLY_SENTINEL",
    "PROTECTED", "TOUCHES_ARBITRARY_KEYS",
]
ACL_CATS = [
    "KEYSPACE", "READ", "WRITE", "SET", "SORTEDSET", "LIST", "HASH", "STRING",
    "BITMAP", "HYPERLOGLOG", "GEO", "STREAM", "PUBSUB", "ADMIN", "FAST", "SLOW",
    "BLOCKING", "DANGEROUS", "CONNECTION", "TRANSACTION", "SCRIPTING",
]
KEY_FLAGS = ["RO", "RW", "OW", "RM", "ACCESS", "UPDATE", "INSERT", "DELETE",
             "NOT_KEY", "INCOMPLETE", "VARIABLE_FLAGS"]
ARG_TYPES = {
    "string": "String", "integer": "Integer", "double": "Double", "key": "Key",
    "pattern": "Pattern", "unix-time": "UnixTime", "pure-token": "PureToken",
    "oneof": "Oneof", "block": "Block",
}
GETKEYS = {
    "bitfieldGetKeys": "Bitfield", "blmpopGetKeys": "Blmpop", "evalGetKeys": "Eval",
    "functionGetKeys": "Function", "georadiusGetKeys": "Georadius",
    "lmpopGetKeys": "Lmpop", "migrateGetKeys": "Migrate", "setGetKeys": "Set",
    "sintercardGetKeys": "Sintercard", "sortGetKeys": "Sort", "sortROGetKeys": "SortRo",
    "xreadGetKeys": "Xread", "zmpopGetKeys": "Zmpop",
    "zunionInterDiffGetKeys": "ZunionInterDiff",
    "zunionInterDiffStoreGetKeys": "ZunionInterDiffStore",
}


def rs(s):
    """A Rust string literal ("" stands for absent)."""
    if s is None:
        s = ""
    return json.dumps(s, ensure_ascii=False)


def bits(names, table, prefix):
    out = [prefix + n for n in names if n in table]
    unknown = [n for n in names if n not in table]
    if unknown:
        sys.exit("unknown flag(s) %s" % unknown)
    return "|".join(out) if out else "0"


def arg_code(a, indent):
    flags = []
    if a.get("optional"):
        flags.append("af::OPTIONAL")
    if a.get("multiple"):
        flags.append("af::MULTIPLE")
    if a.get("multiple_token"):
        flags.append("af::MULTIPLE_TOKEN")
    sub = a.get("arguments", []) if a["type"] in ("oneof", "block") else []
    token = a.get("token")
    subcode = "&[]"
    if sub:
        pad = " " * (indent + 4)
        subcode = "&[\n" + "".join(pad + arg_code(s, indent + 4) + ",\n" for s in sub) + " " * indent + "]"
    return "arg(%s, T::%s, %d, %s, %s, %s, %s, %s, %s)" % (
        rs(a["name"].lower()), ARG_TYPES[a["type"]], a.get("key_spec_index", -1),
        rs(token.upper() if token else None), rs(a.get("summary")), rs(a.get("since")),
        rs(a.get("deprecated_since")), "|".join(flags) if flags else "0", subcode)


def key_spec_code(k):
    bs = k["begin_search"]
    if "index" in bs:
        b = "Bs::Index(%d)" % bs["index"]["pos"]
    elif "keyword" in bs:
        b = "Bs::Keyword(%s, %d)" % (rs(bs["keyword"]["keyword"]), bs["keyword"]["startfrom"])
    else:
        b = "Bs::Unknown"
    fk = k["find_keys"]
    if "range" in fk:
        r = fk["range"]
        f = "Fk::Range(%d, %d, %d)" % (r["lastkey"], r["step"], r["limit"])
    elif "keynum" in fk:
        r = fk["keynum"]
        f = "Fk::Keynum(%d, %d, %d)" % (r["keynumidx"], r["firstkey"], r["step"])
    else:
        f = "Fk::Unknown"
    return "KeySpec { notes: %s, flags: %s, bs: %s, fk: %s }" % (
        rs(k.get("notes")), bits(k.get("flags", []), KEY_FLAGS, "kf::"), b, f)


def legacy_range(specs, flags):
    """(first, last, step, movable) as populateCommandLegacyRangeSpec."""
    movable = False
    if not specs:
        return 0, 0, 0, movable

    def is_range(k):
        return "index" in k["begin_search"] and "range" in k["find_keys"]

    if len(specs) == 1 and is_range(specs[0]):
        k = specs[0]
        if "INCOMPLETE" in k.get("flags", []):
            movable = True
        pos = k["begin_search"]["index"]["pos"]
        last = k["find_keys"]["range"]["lastkey"]
        step = k["find_keys"]["range"]["step"]
        return pos, (last + pos if last >= 0 else last), step, movable
    first = None
    lastkey = 0
    prev_last = 0
    for k in specs:
        if not is_range(k):
            movable = True
            continue
        pos = k["begin_search"]["index"]["pos"]
        r = k["find_keys"]["range"]
        if r["step"] != 1 or (prev_last and prev_last != pos - 1):
            movable = True
            continue
        if "INCOMPLETE" in k.get("flags", []):
            movable = True
        first = pos if first is None else min(first, pos)
        abs_last = r["lastkey"] + pos if r["lastkey"] >= 0 else r["lastkey"]
        # Redis compares as unsigned: a negative (relative-to-end) last wins.
        ul = lambda v: v & 0xFFFFFFFF
        lastkey = lastkey if ul(lastkey) >= ul(abs_last) else abs_last
        prev_last = lastkey
    if first is None:
        return 0, 0, 0, True
    rel = lastkey if lastkey < 0 else lastkey - first
    return first, (rel + first if rel >= 0 else rel), 1, movable


def implicit_acl(flags, cats):
    cats = list(cats)
    if "WRITE" in flags:
        cats.append("WRITE")
    if "READONLY" in flags and "SCRIPTING" not in cats:
        cats.append("READ")
    if "ADMIN" in flags:
        cats += ["ADMIN", "DANGEROUS"]
    if "PUBSUB" in flags:
        cats.append("PUBSUB")
    if "FAST" in flags:
        cats.append("FAST")
    if "BLOCKING" in flags:
        cats.append("BLOCKING")
    if "FAST" not in cats:
        cats.append("SLOW")
    return sorted(set(cats), key=ACL_CATS.index)


def main():
    src = sys.argv[1]
    entries = []
    for path in sorted(glob.glob(os.path.join(src, "*.json"))):
        with open(path) as fh:
            doc = json.load(fh)
        for name, d in doc.items():
            flags = list(d.get("command_flags", []))
            if "ONLY_SENTINEL" in flags:
                continue
            container = d.get("container")
            full = (container.lower() + "|" + name.lower()) if container else name.lower()
            specs = d.get("key_specs", [])
            first, last, step, movable = legacy_range(specs, flags)
            if movable:
                flags.append("MOVABLE_KEYS")
            cats = implicit_acl(flags, d.get("acl_categories", []))
            entries.append((full, d, flags, cats, (first, last, step)))
    names = {e[0] for e in entries}
    entries.sort(key=lambda e: e[0])
    out = sys.stdout
    out.write("// @generated by scripts/gen-command-meta.py from Redis 7.0.15's\n")
    out.write("// src/commands/*.json. Do not edit: regenerate.\n")
    out.write("#![allow(clippy::all)]\n")
    out.write("#![cfg_attr(rustfmt, rustfmt_skip)]\n\n")
    out.write("use super::meta::{arg, acl, af, cf, kf, ArgType as T, Bs, CommandMeta, Fk, GetKeys, KeySpec};\n\n")
    out.write("/// Every command and subcommand of Redis 7.0.15, sorted by full name.\n")
    out.write("pub static TABLE: &[CommandMeta] = &[\n")
    for full, d, flags, cats, (first, last, step) in entries:
        if "|" not in full and d.get("arity") is None:
            sys.exit("no arity for " + full)
        has_subs = any(n.startswith(full + "|") for n in names) and "|" not in full
        hist = "".join("(%s, %s), " % (rs(h[0]), rs(h[1])) for h in d.get("history", []))
        tips = "".join("%s, " % rs(t.lower()) for t in d.get("command_tips", []))
        specs = "".join("\n        %s," % key_spec_code(k) for k in d.get("key_specs", []))
        args = "".join("\n        %s," % arg_code(a, 8) for a in d.get("arguments", []))
        gk = GETKEYS[d["get_keys_function"]] if d.get("get_keys_function") else "None"
        doc_flags = bits(d.get("doc_flags", []), ["DEPRECATED", "SYSCMD"], "cf::DOC_")
        out.write("    CommandMeta {\n")
        out.write("        name: %s, arity: %d,\n" % (rs(full), d["arity"]))
        out.write("        flags: %s,\n" % bits(flags, CMD_FLAGS, "cf::"))
        out.write("        acl: %s,\n" % bits(cats, ACL_CATS, "acl::"))
        out.write("        legacy: (%d, %d, %d), has_subcommands: %s,\n" % (first, last, step, "true" if has_subs else "false"))
        out.write("        summary: %s,\n" % rs(d.get("summary")))
        out.write("        since: %s, group: %s, complexity: %s,\n" % (
            rs(d.get("since")), rs(d["group"].replace("_", "-")), rs(d.get("complexity"))))
        out.write("        doc_flags: %s, deprecated_since: %s, replaced_by: %s,\n" % (
            doc_flags, rs(d.get("deprecated_since")), rs(d.get("replaced_by"))))
        out.write("        history: &[%s], tips: &[%s], getkeys: GetKeys::%s,\n" % (hist, tips, gk))
        out.write("        key_specs: &[%s%s],\n" % (specs, "\n        " if specs else ""))
        out.write("        args: &[%s%s],\n" % (args, "\n        " if args else ""))
        out.write("    },\n")
    out.write("];\n")


if __name__ == "__main__":
    main()
