//! The Redis store against a real `redis-server`, beside the in-process store.

use super::*;
use crate::bench::redis_process::RedisProcess;
use crate::net::service::ListService;

/// A `redis-server` of its own, or `None` (said) where none is installed; in CI
/// (`scripts/test.sh` installs it) its absence fails the test.
fn redis() -> Option<(tempfile::TempDir, RedisProcess)> {
    RedisProcess::available_for_tests().unwrap().then(|| {
        let dir = tempfile::tempdir().unwrap();
        let process = RedisProcess::start(dir.path(), &[]).unwrap();
        (dir, process)
    })
}

fn redis_service(redis: &RedisProcess, limits: Limits) -> ListService<RedisBackend> {
    let backend = RedisBackend::open(&RedisOptions::url(&redis.url())).unwrap();
    let mut service = ListService::with_backend(backend, 4096);
    service.set_limits(limits);
    service
}

fn reply<B: ListBackend>(service: &mut ListService<B>, text: &str) -> String {
    service.handle_text(text).outcome.text.as_str().to_owned()
}

#[test]
fn every_command_path_answers_as_the_in_process_store() {
    let Some((_dir, redis)) = redis() else { return };
    let limits = Limits {
        max_elements: 7,
        max_element_bytes: 8,
        max_list_bytes: 40,
    };
    let mut shared = redis_service(&redis, limits);
    let mut local = ListService::new(RemoteList::default(), 4096);
    local.set_limits(limits);
    let session = [
        "mostrar",
        "append 9",
        "append 10",
        "append b",
        "append B",
        "append é",
        "append 😀",
        "mostrar",
        "ordenar_cresc",
        "mostrar",
        "ordenar_desc",
        "mostrar",
        "append it's",
        "append full",
        "append muito-grande",
        "insert 0 x",
        "remover 10",
        "insert 0 first",
        "insert 3 mid",
        "insert 6 end",
        "insert 9 past",
        "insert -1 neg",
        "insert 99999999999999999999 huge",
        "remover nada",
        "remover mid",
        "pesquisar b",
        "pesquisar nada",
        "mostrar",
        r#"zlist.remove_at 1 "9""#,
        r#"zlist.remove_at 1 "b""#,
        r#"zlist.remove_at 40 "b""#,
        r#"zlist.replace_at 0 "first" "1º""#,
        r#"zlist.replace_at 0 "x" "y""#,
        r#"zlist.replace_at 0 "1º" "grande-demais""#,
        r#"zlist.move 0 3 "1º""#,
        r#"zlist.move 3 0 "1º""#,
        r#"zlist.move 0 9 "1º""#,
        "mostrar",
        "zlist.req c:1 append t",
        "zlist.req c:1 append t",
        "zlist.req c:0 append u",
        "zlist.req c:2 remover zz",
        "zlist.req c:2 remover zz",
        "zlist.req c:3 pesquisar t",
        "mostrar",
        "limpar",
        "mostrar",
        "remover x",
        "ordenar_cresc",
        "mostrar",
    ];
    for request in session {
        let want = local.handle_text(request);
        let got = shared.handle_text(request);
        assert_eq!(got.outcome, want.outcome, "{request}");
        assert_eq!(got.effect, want.effect, "{request}");
    }
    assert_eq!(shared.version(), 0, "live versions come from the follower");
}

#[test]
fn a_tagged_retry_through_another_server_gets_the_recorded_reply_and_one_copy() {
    let Some((_dir, redis)) = redis() else { return };
    let mut a = redis_service(&redis, Limits::default());
    let mut b = redis_service(&redis, Limits::default());
    let first = reply(&mut a, "zlist.req c9:5 append x");
    assert_eq!(first, "Elemento 'x' adicionado.");
    assert_eq!(reply(&mut b, "zlist.req c9:5 append x"), first);
    assert_eq!(reply(&mut b, "mostrar"), "['x']");
    for older in ["zlist.req c9:4 append y", "zlist.req c9:4 mostrar"] {
        let stale = reply(&mut b, older);
        assert!(stale.starts_with("Erro: o pedido c9:4"), "{stale}");
    }
    assert_eq!(reply(&mut a, "zlist.req c9:6 append x"), first);
    assert_eq!(reply(&mut a, "mostrar"), "['x', 'x']");
    let status = crate::net::status::ServerStatus::parse(&reply(&mut a, "zlist.status")).unwrap();
    assert_eq!(
        (status.elements, status.bytes, status.storage.as_str()),
        (2, 2, "redis")
    );
}

#[test]
fn a_list_loaded_by_hand_is_counted_and_large_lists_sort_and_show() {
    let Some((_dir, redis)) = redis() else { return };
    let mut service = redis_service(&redis, Limits::default());
    let keys = Keys::new(DEFAULT_KEY).unwrap();
    let client = redis::Client::open(redis.url()).unwrap();
    let mut connection = client.get_connection().unwrap();
    let items: Vec<String> = (0..20_000).rev().map(|i| format!("e{i}")).collect();
    for chunk in items.chunks(5_000) {
        redis::cmd("RPUSH")
            .arg(keys.list())
            .arg(chunk)
            .exec(&mut connection)
            .unwrap();
    }
    assert_eq!(reply(&mut service, "pesquisar e0"), "Encontrado");
    assert_eq!(reply(&mut service, "append z"), "Elemento 'z' adicionado.");
    let bytes: usize = items.iter().map(String::len).sum::<usize>() + 1;
    let status = service.status();
    assert_eq!((status.elements, status.bytes), (20_001, bytes));
    assert_eq!(
        reply(&mut service, "ordenar_cresc"),
        "Lista ordenada crescentemente."
    );
    let mut sorted = items.clone();
    sorted.push("z".into());
    sorted.sort();
    assert_eq!(
        reply(&mut service, "mostrar"),
        crate::net::repr::list_repr(&sorted)
    );
}

#[test]
fn redis_unreachable_gives_error_replies_in_words_and_never_reports_a_change_done() {
    let Some((_dir, mut redis)) = redis() else {
        return;
    };
    let mut service = redis_service(&redis, Limits::default());
    assert_eq!(reply(&mut service, "append a"), "Elemento 'a' adicionado.");
    redis.kill();
    let change = service.handle_text("append b").outcome;
    assert!(change.is_error, "{change:?}");
    assert!(
        change.text.starts_with("Erro: ")
            && (change.text.contains("nada foi alterado")
                || change.text.contains("pode ou não ter sido aplicada")),
        "{change:?}"
    );
    for read in ["mostrar", "pesquisar a"] {
        let outcome = service.handle_text(read).outcome;
        assert!(
            outcome.is_error && outcome.text.starts_with("Erro: "),
            "{outcome:?}"
        );
    }
    let status = service.status();
    assert_eq!(status.storage, "redis-unreachable");
}

#[test]
fn key_names_that_cannot_be_a_hash_tag_are_refused() {
    for bad in ["", "a{b", "a}b", "a\nb"] {
        assert!(Keys::new(bad).is_err(), "{bad:?}");
    }
    let keys = Keys::new("class-3b").unwrap();
    assert_eq!(keys.list(), "{class-3b}:list");
}
