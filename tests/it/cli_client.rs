//! The terminal clients, `zlist send` and `zlist shell`, run as a user would.

use std::io::{Read as _, Write as _};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::client::SeedServer;
use crate::support::free_port;
use crate::support::{req_socket, request, start_server};

/// The longest any one run of the binary may take.
const RUN_BOUND: Duration = Duration::from_secs(30);

/// Runs `zlist ARGS` with `stdin` as its input; kills it and fails if it runs too long.
pub(crate) fn zlist(args: &[&str], envs: &[(&str, &str)], stdin: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zlist"));
    command
        .args(args)
        .env_remove("ZLIST_CONNECT")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in envs {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("zlist starts");
    let mut input = child.stdin.take().unwrap();
    let text = stdin.to_owned();
    let writer = std::thread::spawn(move || {
        // A client that exits early closes its stdin; that is fine here.
        let _ = input.write_all(text.as_bytes());
    });
    let mut stdout_pipe = child.stdout.take().unwrap();
    let mut stderr_pipe = child.stderr.take().unwrap();
    let stdout = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = stdout_pipe.read_to_end(&mut out);
        out
    });
    let stderr = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = stderr_pipe.read_to_end(&mut out);
        out
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > RUN_BOUND {
            let _ = child.kill();
            let _ = child.wait();
            panic!("zlist {args:?} ran for more than {RUN_BOUND:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    writer.join().unwrap();
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn zlist_send_exit_codes_tell_success_error_reply_and_no_server() {
    let server = start_server();
    let endpoint = server.endpoint();

    let ok = zlist(&["send", "--connect", endpoint, "append", "3"], &[], "");
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    assert_eq!(text(&ok.stdout), "Elemento '3' adicionado.\n");

    let error = zlist(&["send", "--connect", endpoint, "remover 9"], &[], "");
    assert_eq!(error.status.code(), Some(1));
    assert_eq!(text(&error.stdout), "Elemento '9' não encontrado.\n");

    let invalid = zlist(&["send", "--connect", endpoint, "sair"], &[], "");
    assert_eq!(invalid.status.code(), Some(1));
    assert_eq!(text(&invalid.stdout), "Comando inválido.\n");

    let nobody = format!("tcp://127.0.0.1:{}", free_port());
    let started = Instant::now();
    let unreachable = zlist(
        &[
            "send",
            "--connect",
            &nobody,
            "--timeout",
            "0.2",
            "--tries",
            "2",
            "mostrar",
        ],
        &[],
        "",
    );
    assert_eq!(unreachable.status.code(), Some(2));
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(text(&unreachable.stdout), "");
    let stderr = text(&unreachable.stderr);
    assert!(
        stderr.contains(&format!(
            "no reply from {nobody} after 2 tries of 0.2 s; is the server running?"
        )),
        "{stderr}"
    );

    let context = zmq::Context::new();
    let socket = req_socket(&context, endpoint);
    assert_eq!(request(&socket, "mostrar"), "['3']", "applied exactly once");
}

#[test]
fn zlist_send_joins_its_words_into_one_request() {
    let server = start_server();
    let output = zlist(
        &["send", "--connect", server.endpoint(), "insert", "-1", "x"],
        &[],
        "",
    );
    assert_eq!(text(&output.stdout), "Posição inválida: -1\n");
    assert_eq!(output.status.code(), Some(1));
    let output = zlist(
        &[
            "send",
            "--connect",
            server.endpoint(),
            "append",
            "hello",
            "world",
        ],
        &[],
        "",
    );
    assert_eq!(text(&output.stdout), "Elemento 'hello world' adicionado.\n");
}

#[test]
fn zlist_send_takes_the_server_from_the_environment() {
    let server = start_server();
    let output = zlist(
        &["send", "mostrar"],
        &[("ZLIST_CONNECT", server.endpoint())],
        "",
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "[]\n");
}

#[test]
fn zlist_send_with_bad_options_says_what_is_expected() {
    let endpoint = zlist(&["send", "--connect", "localhost", "mostrar"], &[], "");
    assert_eq!(endpoint.status.code(), Some(2));
    let stderr = text(&endpoint.stderr);
    assert!(
        stderr.contains("should look like tcp://HOST:PORT"),
        "{stderr}"
    );

    let timeout = zlist(&["send", "--timeout", "abc", "mostrar"], &[], "");
    assert_eq!(timeout.status.code(), Some(2));
    let stderr = text(&timeout.stderr);
    assert!(stderr.contains("expected a number of seconds"), "{stderr}");

    let tries = zlist(&["send", "--tries", "0", "mostrar"], &[], "");
    assert_eq!(tries.status.code(), Some(2));
    assert!(
        text(&tries.stderr).contains("--tries"),
        "{}",
        text(&tries.stderr)
    );

    let nothing = zlist(&["send"], &[], "");
    assert_eq!(nothing.status.code(), Some(2));
    assert!(
        text(&nothing.stderr).contains("COMMAND"),
        "{}",
        text(&nothing.stderr)
    );
}

#[test]
fn zlist_send_append_works_against_the_seed_server() {
    let Some(seed) = SeedServer::start() else {
        return;
    };
    let output = zlist(&["send", "--connect", &seed.endpoint, "append 3"], &[], "");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "Elemento '3' adicionado.\n");
    let output = zlist(&["send", "--connect", &seed.endpoint, "mostrar"], &[], "");
    assert_eq!(text(&output.stdout), "['3']\n");
}

#[test]
fn zlist_shell_runs_the_seed_menu_from_stdin() {
    let server = start_server();
    let input = "2\n3\n3\nabc\n0\nx\n1\npesquisar x\n9\n";
    let output = zlist(&["shell", "--connect", server.endpoint()], &[], input);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let out = text(&output.stdout);
    for expected in [
        "Cliente ZeroMQ - Lista Remota",
        "1 - Mostrar lista atual",
        "9 - Sair",
        "Escolha uma opção: 2\n[DEBUG] Opção escolhida: 2",
        "Digite o elemento a adicionar: 3",
        "[DEBUG] Enviando comando ao servidor: append 3",
        "[DEBUG] Aguardando resposta do servidor...",
        "[DEBUG] Resposta recebida do servidor: Elemento '3' adicionado.",
        "Posição onde inserir: abc\nPosição inválida: 'abc' não é um número inteiro.",
        "Posição onde inserir: 0\nElemento a inserir: x",
        "[DEBUG] Resposta recebida do servidor: Elemento 'x' inserido na posição 0.",
        "[DEBUG] Resposta recebida do servidor: ['x', '3']",
        "[DEBUG] Resposta recebida do servidor: Encontrado",
        "Saindo...",
    ] {
        assert!(out.contains(expected), "{expected:?} missing from:\n{out}");
    }
    // The connection is reported as it is: after the handshake, never before. The menu
    // waits for it, unless the handshake is slow, and then the shell says so first.
    let waiting = out
        .find("aguardando o handshake ZeroMQ")
        .expect("the open TCP connection is reported");
    let connected = out
        .find("handshake ZeroMQ concluído")
        .expect("the handshake is reported");
    assert!(waiting < connected, "{out}");
    let menu = out.find("Escolha uma opção").unwrap();
    assert!(
        connected < menu || out[..menu].contains("[AVISO] Ainda sem conexão"),
        "{out}"
    );
    assert!(
        !out.contains("insert abc"),
        "a bad position is never sent:\n{out}"
    );
}

#[test]
fn zlist_shell_exits_cleanly_at_the_end_of_input() {
    let server = start_server();
    let output = zlist(&["shell", "--connect", server.endpoint()], &[], "2\n");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let out = text(&output.stdout);
    assert!(out.contains("Digite o elemento a adicionar:"), "{out}");
    assert!(out.trim_end().ends_with("Saindo..."), "{out}");
}

#[test]
fn zlist_shell_tells_the_truth_when_no_server_answers() {
    let nobody = format!("tcp://127.0.0.1:{}", free_port());
    let output = zlist(
        &[
            "shell",
            "--connect",
            &nobody,
            "--timeout",
            "0.2",
            "--tries",
            "1",
        ],
        &[],
        "8\n9\n",
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let out = text(&output.stdout);
    assert!(!out.contains("Conexão estabelecida"), "{out}");
    assert!(
        out.contains(&format!("[AVISO] Ainda sem conexão com {nobody}")),
        "{out}"
    );
    assert!(out.contains("[ERRO] Pedido 'limpar' falhou"), "{out}");
    assert!(out.contains("Saindo..."), "{out}");
}
