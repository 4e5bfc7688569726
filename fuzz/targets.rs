//! The fuzz targets' bodies: everything that reads bytes from outside. Shared by the
//! fuzzers (`fuzz/fuzz_targets/*.rs`, libFuzzer through cargo-fuzz) and by `cargo test`,
//! which replays the corpus in `fuzz/corpus/TARGET/` (`tests/it/fuzz_corpus.rs`). A target
//! panics only on a bug: bad input must get an error, never a crash.

use std::path::PathBuf;

use zlist::net::access::{AccessPolicy, Token, parse_allow_list};
use zlist::net::curve::CurveKey;
use zlist::net::list::RemoteList;
use zlist::net::live;
use zlist::net::repr::{list_repr, parse_list_repr};
use zlist::net::service::{Limits, ListService};
use zlist::net::status::ServerStatus;
use zlist::net::store::{DiskOptions, Store};

/// A target's body.
pub type Target = fn(&[u8]);

/// Every target, by name (its corpus folder and its fuzzer's name).
pub const TARGETS: &[(&str, Target)] = &[
    ("request", request),
    ("repr", repr),
    ("live", live_frames),
    ("journal", journal),
    ("snapshot", snapshot),
    ("access", access),
];

/// Server requests, one per line, against a small list with small limits: each gets one
/// reply, and the list's byte count stays what its elements add up to.
pub fn request(data: &[u8]) {
    let list = RemoteList::from_items(vec!["a".into(), "b c".into(), "é".into()]);
    let mut service = ListService::new(list, 512);
    service.set_limits(Limits {
        max_elements: 64,
        max_element_bytes: 128,
        max_list_bytes: 2048,
    });
    for line in data.split(|&b| b == b'\n').take(64) {
        let handled = service.handle_frames(&[line]);
        assert!(
            !handled.outcome.text.is_empty(),
            "every request gets a reply"
        );
        let counted: usize = service.list().iter().map(str::len).sum();
        assert_eq!(service.list().bytes(), counted);
        assert!(service.list().bytes() <= 2048 && service.list().len() <= 64);
    }
}

/// The client's reader of `mostrar` replies: what it accepts, written back by the
/// server's writer, reads back the same.
pub fn repr(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(items) = parse_list_repr(text) {
        let written = list_repr(&items);
        assert_eq!(parse_list_repr(&written).as_ref(), Ok(&items), "{written}");
    }
}

/// Live-update messages (frames separated by 0xff), snapshot replies and status lines, as
/// a client reads them from a server.
pub fn live_frames(data: &[u8]) {
    let frames: Vec<Vec<u8>> = data.split(|&b| b == 0xff).map(<[u8]>::to_vec).collect();
    let _ = live::decode(&frames);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = live::parse_snapshot_reply(text);
        if let Ok(status) = ServerStatus::parse(text) {
            assert_eq!(ServerStatus::parse(&status.to_string()), Ok(status.clone()));
            let _ = status.table();
        }
    }
}

/// A data directory holding only this journal.
pub fn journal(data: &[u8]) {
    load_store_file("journal-00000000.zlist", data);
}

/// A data directory holding only this snapshot.
pub fn snapshot(data: &[u8]) {
    load_store_file("snapshot-00000001.zlist", data);
}

/// Loads a data directory made of one file with these bytes: it loads or is refused.
fn load_store_file(name: &str, data: &[u8]) {
    let dir = scratch_dir(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    std::fs::write(dir.join(name), data).expect("a scratch file");
    if let Ok((_, recovered)) = Store::open(&DiskOptions::new(&dir)) {
        let counted: usize = recovered.list.iter().map(str::len).sum();
        assert_eq!(recovered.list.bytes(), counted);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A directory of this process's own, for one target.
fn scratch_dir(name: &str) -> PathBuf {
    let thread = format!("{:?}", std::thread::current().id());
    let thread: String = thread.chars().filter(char::is_ascii_digit).collect();
    std::env::temp_dir().join(format!("zlist-fuzz-{}-{thread}-{name}", std::process::id()))
}

/// What a client or an operator gives as access settings (allow lists, tokens, CURVE keys),
/// and ZAP requests (frames separated by 0xff) carrying what a client presented.
pub fn access(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_allow_list(text);
        let _ = Token::new(text);
        let _ = CurveKey::parse(text);
    }
    let request: Vec<Vec<u8>> = data.split(|&b| b == 0xff).map(<[u8]>::to_vec).collect();
    let policy = AccessPolicy {
        token: Token::new("s3cret"),
        allow: parse_allow_list("127.0.0.0/8,::1").expect("a valid allow list"),
        ..AccessPolicy::default()
    };
    let reply = policy.answer_zap(&request);
    assert_eq!(reply.len(), 6, "a ZAP reply has six frames");
    assert!(
        [&b"200"[..], b"300", b"400", b"500"].contains(&reply[2].as_slice()),
        "{reply:?}"
    );
    if reply[2] == b"200" {
        assert_eq!(request.get(7).map(Vec::as_slice), Some(&b"s3cret"[..]));
    }
}
