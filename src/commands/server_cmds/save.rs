//! SAVE, BGSAVE and DEBUG RELOAD: the snapshot commands.
//!
//! Owns: these commands' replies and the order of their steps. The saving and loading is
//! `persistence::snapshot`'s and `persistence::bgsave`'s; this file must never touch the RDB
//! format itself.

use super::cmd;
use crate::commands::flags::*;
use crate::commands::{Argv, CommandSpec, Ctx};
use crate::log::Level;
use crate::persistence::{bgsave, child::ChildType, snapshot};
use crate::serverlog;

pub const SAVE: CommandSpec = cmd(
    "save",
    save,
    1,
    ADMIN | NOSCRIPT | NO_MULTI,
    "Synchronously save the dataset to disk",
    "1.0.0",
    "",
    &[],
);

pub const BGSAVE: CommandSpec = cmd(
    "bgsave",
    bgsave,
    -1,
    ADMIN | NOSCRIPT,
    "Asynchronously save the dataset to disk",
    "1.0.0",
    "[SCHEDULE]",
    &[],
);

/// `SAVE`: writes the dump in the foreground; `+OK`, or `-ERR` (the log says why). Refused
/// while a BGSAVE runs: the two would race for the same file.
fn save(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    if ctx.srv.child.kind == ChildType::Rdb {
        ctx.err("ERR Background save already in progress");
        return;
    }
    ctx.srv.rdb.saves += 1;
    match snapshot::save(ctx.srv) {
        Ok(()) => ctx.ok(),
        Err(_) => ctx.err("ERR"),
    }
}

/// `BGSAVE [SCHEDULE]`: forks a child that writes the dump; `+Background saving started`.
/// While another child (an AOF rewrite) runs: an error, or with SCHEDULE (and always inside
/// MULTI) `+Background saving scheduled` and cron starts it once that child is done.
fn bgsave(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let mut schedule = false;
    if argv.len() > 1 {
        if argv.len() == 2 && argv.is(1, "schedule") {
            schedule = true;
        } else {
            ctx.syntax_error();
            return;
        }
    }
    if ctx.srv.child.kind == ChildType::Rdb {
        ctx.err("ERR Background save already in progress");
    } else if ctx.srv.child.active() || ctx.srv.in_exec {
        if schedule || ctx.srv.in_exec {
            ctx.srv.rdb.bgsave_scheduled = true;
            ctx.status("Background saving scheduled");
        } else {
            ctx.err("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
        }
    } else if bgsave::rdb_save_background(ctx.srv).is_ok() {
        ctx.status("Background saving started");
    } else {
        ctx.err("ERR");
    }
}

/// `DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]`: save (unless NOSAVE), empty the data (unless
/// NOFLUSH), load the dump back (MERGE: keys in the file replace existing ones instead of
/// being an error). Options are checked by the caller.
pub fn debug_reload(ctx: &mut Ctx<'_>, merge: bool, noflush: bool, nosave: bool) {
    if !nosave && snapshot::save(ctx.srv).is_err() {
        ctx.err("ERR Error trying to save the DB, check server logs.");
        return;
    }
    let path = snapshot::dump_path(ctx.srv);
    let loaded = match snapshot::load_file(ctx.srv, &path) {
        Ok(Some(x)) => x,
        Ok(None) => {
            serverlog!(
                Level::Warning,
                "DEBUG RELOAD found no dump at {}: save one first (SAVE) or drop NOSAVE.",
                path.display()
            );
            ctx.err("ERR Error trying to load the RDB dump, check server logs.");
            return;
        }
        Err(msg) => {
            serverlog!(Level::Warning, "{msg}");
            ctx.err("ERR Error trying to load the RDB dump, check server logs.");
            return;
        }
    };
    let (ks, l) = loaded;
    if noflush {
        // Add the file's keys to what is there.
        let mut ks = ks;
        for (i, db) in ks.dbs.drain(..).enumerate() {
            if i >= ctx.srv.ks.dbs.len() {
                break;
            }
            for (key, obj) in db.dict {
                let exists = ctx.srv.ks.dbs[i].dict.contains_key(&key);
                if exists && !merge {
                    serverlog!(
                        Level::Warning,
                        "DEBUG RELOAD NOFLUSH found key '{}' both in memory and in the dump; add MERGE to let the dump's value win.",
                        String::from_utf8_lossy(&key)
                    );
                    ctx.err("ERR Error trying to load the RDB dump, check server logs.");
                    return;
                }
                let ttl = db.expires.get(&key).copied();
                ctx.srv.ks.dbs[i].expires.remove(&key);
                if let Some(t) = ttl {
                    ctx.srv.ks.dbs[i].expires.insert(&key[..], t);
                }
                ctx.srv.ks.dbs[i].dict.insert(key, obj);
            }
        }
    } else {
        ctx.signal_flushed_db(None);
        snapshot::install(ctx.srv, ks, &l);
    }
    serverlog!(Level::Notice, "DB reloaded by DEBUG RELOAD");
    ctx.ok();
}
