//! The server against plain REQ sockets and hostile TCP peers.

use std::io::Write as _;
use std::net::TcpStream;
use std::time::Duration;

use zlist::net::server::ServerConfig;

use crate::support::{req_socket, request, request_bytes, start_server, start_server_with};

/// The seed document's example session, request by request, with the seed server's replies.
pub(crate) const SEED_SESSION: &[(&str, &str)] = &[
    ("mostrar", "[]"),
    ("append 3", "Elemento '3' adicionado."),
    ("append 3", "Elemento '3' adicionado."),
    ("append 5", "Elemento '5' adicionado."),
    ("append 7", "Elemento '7' adicionado."),
    ("append 9", "Elemento '9' adicionado."),
    ("append 3", "Elemento '3' adicionado."),
    ("append 5", "Elemento '5' adicionado."),
    ("mostrar", "['3', '3', '5', '7', '9', '3', '5']"),
    ("insert 4 5", "Elemento '5' inserido na posição 4."),
    ("remover 5", "Elemento '5' removido."),
    ("pesquisar 6", "Não encontrado"),
    ("ordenar_cresc", "Lista ordenada crescentemente."),
    ("mostrar", "['3', '3', '3', '5', '5', '7', '9']"),
    ("ordenar_desc", "Lista ordenada decrescentemente."),
    ("mostrar", "['9', '7', '5', '5', '3', '3', '3']"),
    ("limpar", "Lista limpa."),
    ("mostrar", "[]"),
];

#[test]
fn seed_document_session_gets_the_seed_replies_over_req() {
    let server = start_server();
    let context = zmq::Context::new();
    let socket = req_socket(&context, server.endpoint());
    for (req, expected) in SEED_SESSION {
        assert_eq!(&request(&socket, req), expected, "reply to {req:?}");
    }
}

#[test]
fn server_reports_the_port_it_got() {
    let server = start_server();
    let port = zlist::net::endpoint::port(server.endpoint()).unwrap();
    assert_ne!(port, 0);
    assert!(server.endpoint().starts_with("tcp://127.0.0.1:"));
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let first = start_server();
    let error = zlist::net::server::Server::start(
        ServerConfig {
            bind: first.endpoint().to_owned(),
            ..ServerConfig::default()
        },
        Default::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("cannot listen on"), "{error}");
    assert!(error.contains("is using that port"), "{error}");
}

#[test]
fn every_bad_request_gets_one_error_reply_and_leaves_the_list_alone() {
    let server = start_server_with(ServerConfig {
        bind: "tcp://127.0.0.1:0".into(),
        max_request_bytes: 1000,
        ..ServerConfig::default()
    });
    let context = zmq::Context::new();
    let socket = req_socket(&context, server.endpoint());
    request(&socket, "append keep");
    let bad: &[(&[u8], &str)] = &[
        (b"", "Erro: mensagem vazia."),
        (b"   \t ", "Erro: mensagem vazia."),
        (b"append", "Erro: falta o elemento. Uso: append X"),
        (b"remover ", "Erro: falta o elemento. Uso: remover X"),
        (b"pesquisar", "Erro: falta o elemento. Uso: pesquisar X"),
        (
            b"insert",
            "Erro: faltam a posição e o elemento. Uso: insert P X",
        ),
        (b"insert 0", "Erro: falta o elemento. Uso: insert P X"),
        (
            b"insert abc x",
            "Erro: a posição 'abc' não é um número inteiro.",
        ),
        (b"insert 5 x", "Posição inválida: 5"),
        (b"insert -1 x", "Posição inválida: -1"),
        (b"sair", "Comando inválido."),
        (b"remover nada", "Elemento 'nada' não encontrado."),
        (
            b"append \xff\xfe",
            "Erro: a mensagem não é texto UTF-8 válido.",
        ),
        (
            &[b'a'; 1500],
            "Erro: a mensagem tem 1500 bytes; o limite é 1000 bytes.",
        ),
        (
            b"zlist.req nope append x",
            "Erro: etiqueta de pedido inválida.",
        ),
    ];
    for (req, expected) in bad {
        let reply = request_bytes(&socket, req);
        assert!(
            reply.starts_with(expected),
            "{:?} got {reply:?}",
            String::from_utf8_lossy(req)
        );
        assert_eq!(request(&socket, "mostrar"), "['keep']");
    }
}

#[test]
fn a_multipart_request_gets_one_error_reply() {
    let server = start_server();
    let context = zmq::Context::new();
    let socket = req_socket(&context, server.endpoint());
    socket.send_multipart(["append", "x"], 0).unwrap();
    let reply = socket.recv_multipart(0).unwrap();
    assert_eq!(
        reply,
        vec![b"Erro: a mensagem tem 2 partes; envie o comando numa \xc3\xbanica parte.".to_vec()]
    );
    assert_eq!(request(&socket, "mostrar"), "[]");
}

#[test]
fn a_huge_request_drops_only_its_own_connection() {
    let server = start_server_with(ServerConfig {
        bind: "tcp://127.0.0.1:0".into(),
        max_request_bytes: 1000,
        ..ServerConfig::default()
    });
    let context = zmq::Context::new();
    let flooder = req_socket(&context, server.endpoint());
    flooder.set_rcvtimeo(300).unwrap();
    flooder.send(vec![b'a'; 10_000], 0).unwrap();
    assert!(
        flooder.recv_bytes(0).is_err(),
        "no reply past twice the limit"
    );
    let other = req_socket(&context, server.endpoint());
    assert_eq!(request(&other, "append ok"), "Elemento 'ok' adicionado.");
}

/// Connects a raw TCP stream, writes `bytes`, and closes it (or keeps it open).
fn raw_tcp(endpoint: &str, bytes: &[u8], keep_open: bool) -> Option<TcpStream> {
    let address = endpoint.trim_start_matches("tcp://");
    let mut stream = TcpStream::connect(address).expect("raw connect");
    stream.write_all(bytes).expect("raw write");
    stream.flush().unwrap();
    if keep_open {
        Some(stream)
    } else {
        std::thread::sleep(Duration::from_millis(20));
        None
    }
}

#[test]
fn raw_tcp_garbage_cannot_stall_the_server() {
    let server = start_server();
    let endpoint = server.endpoint().to_owned();
    let context = zmq::Context::new();
    let before = req_socket(&context, &endpoint);
    assert_eq!(request(&before, "append 1"), "Elemento '1' adicionado.");

    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut random_bytes = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed >> 24) as u8
            })
            .collect()
    };
    let mut payloads: Vec<Vec<u8>> = vec![
        // ZMTP 1.0 framing: a length byte, a flags byte, then less body than announced.
        vec![0x05, 0x00, b'a', b'b'],
        vec![0x01, 0x00, 0x20, 0x00, b'h', b'i'],
        b"GET / HTTP/1.1\r\nHost: zlist\r\n\r\n".to_vec(),
        b"SSH-2.0-OpenSSH_9.0\r\n".to_vec(),
        // A ZMTP 3 greeting cut short.
        vec![0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 0],
        vec![0x00],
    ];
    for n in [1, 3, 7, 16, 64, 300] {
        let mut bytes = random_bytes(n);
        if bytes[0] == 0xff {
            bytes[0] = 0x42;
        }
        payloads.push(bytes);
    }
    for payload in &payloads {
        raw_tcp(&endpoint, payload, false);
    }
    // Half-open peers: connected, part of a message sent, never finished.
    let _half_open: Vec<_> = payloads
        .iter()
        .take(3)
        .filter_map(|p| raw_tcp(&endpoint, p, true))
        .collect();
    let _silent = TcpStream::connect(endpoint.trim_start_matches("tcp://")).unwrap();

    assert_eq!(request(&before, "append 2"), "Elemento '2' adicionado.");
    let after = req_socket(&context, &endpoint);
    assert_eq!(request(&after, "mostrar"), "['1', '2']");
}

#[test]
fn two_clients_at_once_each_get_their_own_replies() {
    let server = start_server();
    let endpoint = server.endpoint().to_owned();
    let workers: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|name| {
            let endpoint = endpoint.clone();
            std::thread::spawn(move || {
                let context = zmq::Context::new();
                let socket = req_socket(&context, &endpoint);
                for i in 0..200 {
                    let reply = request(&socket, &format!("append {name}{i}"));
                    assert_eq!(reply, format!("Elemento '{name}{i}' adicionado."));
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let list = server.stop().unwrap();
    assert_eq!(list.len(), 400);
    for name in ["a", "b"] {
        let mine: Vec<_> = list.iter().filter(|x| x.starts_with(name)).collect();
        let expected: Vec<_> = (0..200).map(|i| format!("{name}{i}")).collect();
        assert_eq!(mine, expected, "{name}'s appends stay in order");
    }
}

#[test]
fn stop_returns_promptly_with_clients_connected() {
    let server = start_server();
    let context = zmq::Context::new();
    let socket = req_socket(&context, server.endpoint());
    request(&socket, "append x");
    let started = std::time::Instant::now();
    let list = server.stop().unwrap();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(list.to_vec(), ["x"]);
}
