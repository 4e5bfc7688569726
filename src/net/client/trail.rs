//! The client engine's Portuguese words: every line of its debug trail (the seed's
//! `[DEBUG]` lines and connection news), and the pt-BR wording of its failures and states,
//! which the app's `i18n` and the terminal clients use as they are.
//!
//! A wording is written as clauses joined by `; ` without a final period, as the English
//! `#[error]` texts of [`RequestFailure`] and [`NotLive`] are; [`sentences`] turns one into
//! sentences for a status line.

use std::time::Duration;

use super::{ConnectionState, NotLive, RequestFailure, Secs};
use crate::net::live::{LiveError, Resync};
use crate::net::protocol::{self, RequestError, ServerKind};

/// A request failure in Portuguese: what happened and what is expected, without the
/// request and without advice about where to give a token or a key (the caller's edge adds
/// that: a form field, a command-line flag).
pub fn failure(failure: &RequestFailure) -> String {
    match failure {
        RequestFailure::NoReply {
            endpoint,
            tries,
            timeout,
        } => format!(
            "sem resposta de {endpoint} após {tries} {} de {}; o servidor está rodando?",
            if *tries == 1 {
                "tentativa"
            } else {
                "tentativas"
            },
            Secs(*timeout)
        ),
        RequestFailure::ChangeNotRetried { endpoint, timeout } => format!(
            "sem resposta de {endpoint} em {}; este servidor fala só o protocolo original da \
             aula (seed), então a alteração não foi reenviada (pode ter sido aplicada ou não): \
             confira a lista e envie de novo se precisar",
            Secs(*timeout)
        ),
        RequestFailure::Refused { endpoint } => format!(
            "o servidor {endpoint} recusou a conexão: token errado ou ausente, uma chave CURVE \
             que ele não admite, ou este endereço não é permitido"
        ),
        RequestFailure::HandshakeFailed { endpoint } => format!(
            "o handshake ZeroMQ com {endpoint} falhou: o servidor exige um token que não foi \
             dado, cifra com CURVE e a chave do servidor falta ou não confere, ou não é um \
             servidor ZeroMQ"
        ),
        RequestFailure::Stopped => "o cliente parou antes da resposta".to_owned(),
    }
}

/// Why the list is not followed live, in Portuguese: the cause only (each caller says how
/// the list is kept current instead).
pub fn not_live(why: &NotLive) -> String {
    match why {
        NotLive::NotPublished => "o servidor não publica as mudanças (o servidor seed da aula, \
                                  ou zlist server --publish off)"
            .to_owned(),
        NotLive::Silent { endpoint, after } => format!(
            "nada chegou de {endpoint} em {}: a porta de publicação parece inacessível \
             (firewall, ou o security group da EC2 só abre a porta de pedidos: abra também \
             esta)",
            Secs(*after)
        ),
        NotLive::BadAnnouncement(announced) => format!(
            "o servidor anunciou as atualizações como {announced:?}, que este cliente não sabe \
             usar"
        ),
        NotLive::Subscribe { endpoint, reason } => {
            format!("não foi possível assinar as atualizações em {endpoint}: {reason}")
        }
        NotLive::Snapshot(reason) => format!(
            "não foi possível obter a cópia da lista ({reason}); nova tentativa em instantes"
        ),
    }
}

/// A connection state in Portuguese, short, for the terminal clients and the trail.
pub fn connection_state(state: ConnectionState) -> String {
    match state {
        ConnectionState::Connecting => "conectando (ainda sem resposta do servidor)".to_owned(),
        ConnectionState::Connected => "conectado".to_owned(),
        ConnectionState::Disconnected => "desconectado".to_owned(),
        ConnectionState::Retrying => "tentando conectar de novo".to_owned(),
        ConnectionState::HandshakeFailed => "o handshake ZeroMQ falhou (o servidor exige token? \
                                             a chave CURVE do servidor confere? é um servidor \
                                             ZeroMQ?)"
            .to_owned(),
        ConnectionState::AuthFailed => {
            "token errado ou ausente, ou chave CURVE não admitida: autenticação recusada".to_owned()
        }
        ConnectionState::Unreachable { tries } => {
            format!("servidor inalcançável (sem resposta após {tries} tentativas)")
        }
    }
}

/// A wording (clauses joined by `; `) as sentences: each clause after the first starts a
/// sentence with a capital letter, and the text ends with a period (or its own `?`). The
/// first clause is left as it is, to follow a colon or go through [`capitalized`].
pub fn sentences(wording: &str) -> String {
    let mut clauses = wording.split("; ");
    let first = clauses.next().unwrap_or_default().to_owned();
    let mut text = std::iter::once(first)
        .chain(clauses.map(capitalized))
        .collect::<Vec<_>>()
        .join(". ");
    if !text.ends_with(['.', '?', '!']) {
        text.push('.');
    }
    text
}

/// The text with its first letter in upper case.
pub fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The text ended as a sentence: a period unless it ends with one, or with `?` or `!`.
fn closed(text: &str) -> String {
    if text.ends_with(['.', '?', '!']) {
        text.to_owned()
    } else {
        format!("{text}.")
    }
}

// The trail, line by line, in the order a request meets them.

/// The worker starts.
pub(super) fn connecting(endpoint: &str) -> String {
    format!("Cliente tentando conectar ao servidor {endpoint}")
}

/// The worker starts with several servers to fail over between.
pub(super) fn connecting_list(endpoints: &[String]) -> String {
    format!(
        "Cliente tentando conectar ao servidor {}; se ele não responder, aos seguintes, na \
         ordem: {}",
        endpoints.first().map_or("", String::as_str),
        endpoints.get(1..).unwrap_or_default().join(", ")
    )
}

/// Queued requests dropped at the driver's order.
pub(super) fn cancelled(count: usize) -> String {
    format!("{count} pedido(s) na fila cancelado(s).")
}

/// The driver asked for a fresh snapshot.
pub(super) const RESYNC_ORDERED: &str = "Nova cópia da lista pedida pelo programa.";

/// A request failed for good.
pub(super) fn request_failed(request: &str, why: &RequestFailure) -> String {
    closed(&format!("Pedido '{request}' falhou: {}", failure(why)))
}

/// A request goes out (to `server`, named when there are several).
pub(super) fn sending(request: &str, server: Option<&str>) -> String {
    match server {
        Some(server) => format!("Enviando comando ao servidor {server}: {request}"),
        None => format!("Enviando comando ao servidor: {request}"),
    }
}

/// A change goes out tagged; `tag` is the wire's first two words.
pub(super) fn tagged(tag: &str) -> String {
    format!("(etiquetado para o servidor zlist, aplicado no máximo uma vez: {tag})")
}

/// The request is on its way.
pub(super) const WAITING: &str = "Aguardando resposta do servidor...";

/// A reply came (from `server`, named when there are several).
pub(super) fn received(reply: &str, server: Option<&str>) -> String {
    match server {
        Some(server) => format!("Resposta recebida do servidor {server}: {reply}"),
        None => format!("Resposta recebida do servidor: {reply}"),
    }
}

/// The reply to `mostrar` is not a list.
pub(super) fn not_a_list(error: &impl std::fmt::Display) -> String {
    format!(
        "A resposta a {} não é uma lista no formato esperado (['a', 'b']): {error}",
        protocol::SHOW
    )
}

/// A reply with bytes that are not UTF-8.
pub(super) const NOT_UTF8: &str =
    "A resposta não é texto UTF-8 válido; bytes inválidos trocados por \u{fffd}.";

/// The request could not be handed to libzmq.
pub(super) fn send_failed(error: &zmq::Error) -> String {
    format!("Não foi possível enviar o pedido: {error}")
}

/// Polling for the reply failed.
pub(super) fn wait_failed(error: &zmq::Error) -> String {
    format!("Erro ao aguardar a resposta: {error}")
}

/// Reading the reply failed.
pub(super) fn receive_failed(error: &zmq::Error) -> String {
    format!("Erro ao receber a resposta: {error}")
}

/// The step of opening a socket that creates the REQ socket (the other steps are named by
/// their libzmq option).
pub(super) const CREATE_REQ: &str = "criar o socket REQ";

/// The step of opening a socket that creates the SUB socket.
pub(super) const CREATE_SUB: &str = "criar o socket SUB";

/// A socket could not be set up; `doing` names the step.
pub(super) fn open_failed(doing: &str, error: &zmq::Error) -> String {
    format!("Não foi possível abrir o socket ({doing}): {error}")
}

/// A try got no reply in time.
pub(super) fn timed_out(timeout: Duration, attempt: u32, tries: u32) -> String {
    let more = if attempt < tries {
        "reabrindo o socket e tentando de novo"
    } else {
        "desistindo"
    };
    format!(
        "Sem resposta em {} (tentativa {attempt} de {tries}); {more}.",
        Secs(timeout)
    )
}

/// Several servers: `from` gave no reply in time (on try `attempt` of all, when a request's),
/// and `to` is asked next (`None`: the request's tries are spent).
pub(super) fn switching(
    from: &str,
    timeout: Duration,
    attempt: Option<(u32, u32)>,
    to: Option<&str>,
) -> String {
    let attempt = attempt.map_or_else(String::new, |(attempt, tries)| {
        format!(" (tentativa {attempt} de {tries})")
    });
    let next = match to {
        Some(to) => format!("passando para o servidor {to}"),
        None => "desistindo".to_owned(),
    };
    format!(
        "Sem resposta de {from} em {}{attempt}; {next}.",
        Secs(timeout)
    )
}

/// Several servers: `answered` answered after the `unanswered` did not.
pub fn switched(answered: &str, unanswered: &[String]) -> String {
    let verb = if unanswered.len() == 1 {
        "não respondeu"
    } else {
        "não responderam"
    };
    format!(
        "Servidor {answered} respondeu ({} {verb})",
        list_words(unanswered, "e")
    )
}

/// Items as a sentence lists them: `a`, `a e b`, `a, b e c` (with `and` for `e`).
pub fn list_words(items: &[String], and: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {and} {last}", rest.join(", ")),
    }
}

/// A request the seed's server would crash on, answered without sending it.
pub(super) fn answered_locally(request: &str, refusal: &RequestError) -> String {
    format!(
        "Pedido {request:?} não enviado: o servidor original (seed) travaria com ele. {refusal}"
    )
}

/// Asking `zlist.hello`.
pub(super) fn asking_hello() -> String {
    format!(
        "Perguntando ao servidor qual protocolo ele fala ({})",
        protocol::HELLO
    )
}

/// A live client's own `zlist.hello` got no reply.
pub(super) fn hello_unanswered(endpoint: &str, timeout: Duration, again: Duration) -> String {
    format!(
        "Sem resposta de {endpoint} a {} em {}; nova tentativa em {}.",
        protocol::HELLO,
        Secs(timeout),
        Secs(again)
    )
}

/// Which server answered `zlist.hello`.
pub(super) fn server(kind: &ServerKind) -> String {
    match kind {
        ServerKind::Zlist { version, .. } => format!(
            "Servidor zlist (extensões versão {version}): alterações vão etiquetadas e \
             nunca são aplicadas duas vezes."
        ),
        ServerKind::Seed => "Servidor do protocolo original (seed): uma alteração sem \
                             resposta não será reenviada automaticamente."
            .to_owned(),
    }
}

/// A monitor event worth a line, about the server at `endpoint`.
pub(super) fn monitor_event(event: zmq::SocketEvent, value: u32, endpoint: &str) -> Option<String> {
    use zmq::SocketEvent as E;
    let line = match event {
        E::CONNECTED => {
            format!("Conexão TCP aberta com {endpoint}; aguardando o handshake ZeroMQ...")
        }
        E::CONNECT_RETRIED => format!("Sem conexão com {endpoint}; nova tentativa em {value} ms."),
        E::HANDSHAKE_SUCCEEDED => {
            format!("Conexão estabelecida com {endpoint} (handshake ZeroMQ concluído).")
        }
        E::DISCONNECTED => format!("Conexão com {endpoint} perdida."),
        E::HANDSHAKE_FAILED_NO_DETAIL | E::HANDSHAKE_FAILED_PROTOCOL => format!(
            "Handshake ZeroMQ com {endpoint} falhou: o servidor exige um token que não foi \
             dado, cifra com CURVE e a chave do servidor não confere, ou o outro lado não é um \
             servidor ZeroMQ compatível."
        ),
        E::HANDSHAKE_FAILED_AUTH => format!(
            "O servidor {endpoint} recusou a autenticação (token errado ou ausente, ou chave \
             CURVE não admitida)."
        ),
        _ => return None,
    };
    Some(line)
}

// Live updates.

/// The server stopped announcing a publisher.
pub(super) const PUBLISHER_GONE: &str =
    "O servidor não publica mais atualizações; assinatura encerrada.";

/// Subscribed to the publisher at `endpoint`.
pub(super) fn subscribed(endpoint: &str) -> String {
    format!(
        "Assinando as atualizações ao vivo em {endpoint} (PUB/SUB); a lista vem inteira uma \
         vez (zlist.snapshot) e depois só as mudanças."
    )
}

/// Asking for the snapshot.
pub(super) fn asking_snapshot() -> String {
    format!(
        "Pedindo a lista com sua versão ({}) para acompanhar as mudanças ao vivo",
        protocol::SNAPSHOT
    )
}

/// Why a snapshot was not had: the connection was refused.
pub(super) const SNAPSHOT_REFUSED: &str = "a conexão foi recusada";

/// Why a snapshot was not had: nobody answered.
pub(super) fn snapshot_unanswered(endpoint: &str, tries: u32) -> String {
    format!("sem resposta de {endpoint} após {tries} tentativa(s)")
}

/// A snapshot arrived and `held` updates were applied on top.
pub(super) fn snapshot_taken(
    items: usize,
    version: u64,
    epoch: impl std::fmt::Display,
    round_trip: Duration,
    held: usize,
) -> String {
    format!(
        "Lista recebida: {items} elemento(s), versão {version} do servidor (época {epoch}), em \
         {} ms; {held} atualização(ões) guardada(s) aplicada(s) por cima.",
        round_trip.as_millis()
    )
}

/// A snapshot could not be had; asked again after `again`.
pub(super) fn snapshot_failed(reason: &str, again: Duration) -> String {
    format!(
        "Não foi possível obter a lista com sua versão ({}): {reason}. Nova tentativa em {}.",
        protocol::SNAPSHOT,
        Secs(again)
    )
}

/// The live list is out of step and is asked for again.
pub(super) fn resyncing(why: &Resync) -> String {
    let why = match why {
        Resync::Gap { expected, got } => {
            format!("chegou a atualização {got} quando se esperava a {expected}")
        }
        Resync::Behind { have, server } => format!(
            "o servidor está na versão {server} e este cliente na {have} (atualização perdida)"
        ),
        Resync::NewEpoch => "o servidor reiniciou (nova época)".to_owned(),
        Resync::Reconnected => {
            "a assinatura reconectou (atualizações podem ter se perdido)".to_owned()
        }
        Resync::Misfit(error) => format!("uma atualização não cabe na lista ({error})"),
    };
    format!("Ressincronizando: {why}; pedindo a lista de novo.")
}

/// Unreadable published messages, `count` since the last report.
pub(super) fn bad_message(endpoint: &str, count: u64, error: &LiveError) -> String {
    format!(
        "Mensagem inválida de {endpoint} ignorada ({count} desde o último aviso): {error}. Se \
         era uma atualização, a lista será pedida de novo."
    )
}

/// The list is followed live.
pub(super) const LIVE: &str = "Lista ao vivo: as mudanças de todos os clientes chegam sozinhas.";

/// The live list waits for its snapshot.
pub(super) const RESYNCING: &str = "Sincronizando a lista ao vivo...";

/// The list is not followed live, and why.
pub(super) fn unavailable(why: &NotLive) -> String {
    match why {
        NotLive::Snapshot(_) => format!("A lista ao vivo está parada: {}.", not_live(why)),
        _ => format!(
            "Sem atualizações ao vivo: {}. A lista é atualizada pedindo-a (mostrar).",
            not_live(why)
        ),
    }
}

/// The two refusals of the server at `endpoint`, for the tests of their wordings.
#[cfg(test)]
pub(crate) fn refusals(endpoint: &str) -> [RequestFailure; 2] {
    let endpoint = endpoint.to_owned();
    [
        RequestFailure::Refused {
            endpoint: endpoint.clone(),
        },
        RequestFailure::HandshakeFailed { endpoint },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wordings_become_sentences() {
        assert_eq!(
            sentences("no reply from x after 2 tries of 1 s; is the server running?"),
            "no reply from x after 2 tries of 1 s. Is the server running?"
        );
        assert_eq!(sentences("o cliente parou"), "o cliente parou.");
        assert_eq!(capitalized(&sentences("é isso; é")), "É isso. É.");
        assert_eq!(closed("Pronto?"), "Pronto?");
    }

    #[test]
    fn a_switch_names_the_server_that_answered_and_those_that_did_not() {
        let (a, b, c) = ("tcp://a:1234", "tcp://b:1234", "tcp://c:1234");
        assert_eq!(
            switched(b, &[a.to_owned()]),
            "Servidor tcp://b:1234 respondeu (tcp://a:1234 não respondeu)"
        );
        assert_eq!(
            switched(c, &[a.to_owned(), b.to_owned()]),
            "Servidor tcp://c:1234 respondeu (tcp://a:1234 e tcp://b:1234 não responderam)"
        );
        let list = [a.to_owned(), b.to_owned(), c.to_owned()];
        assert_eq!(
            list_words(&list, "and"),
            "tcp://a:1234, tcp://b:1234 and tcp://c:1234"
        );
        assert_eq!(
            switching(a, Duration::from_millis(300), Some((1, 4)), Some(b)),
            "Sem resposta de tcp://a:1234 em 0.3 s (tentativa 1 de 4); passando para o \
             servidor tcp://b:1234."
        );
        assert!(switching(a, Duration::from_secs(1), Some((4, 4)), None).ends_with("desistindo."));
    }

    #[test]
    fn with_one_server_the_trail_is_the_seeds() {
        assert_eq!(
            sending("mostrar", None),
            "Enviando comando ao servidor: mostrar"
        );
        assert_eq!(received("[]", None), "Resposta recebida do servidor: []");
        assert_eq!(
            sending("mostrar", Some("tcp://b:1")),
            "Enviando comando ao servidor tcp://b:1: mostrar"
        );
        let both = connecting_list(&["tcp://a:1".to_owned(), "tcp://b:1".to_owned()]);
        assert!(
            both.contains("tcp://a:1") && both.contains("tcp://b:1"),
            "{both}"
        );
    }

    #[test]
    fn failures_say_what_happened_without_flags() {
        let endpoint = "tcp://10.0.0.1:1234".to_owned();
        for failure in refusals(&endpoint) {
            for text in [self::failure(&failure), failure.to_string()] {
                assert!(text.contains(&endpoint), "{text}");
                assert!(text.contains("CURVE"), "{text}");
                assert!(text.contains("token"), "{text}");
                assert!(!text.contains("--"), "{text}");
            }
        }
        let one = RequestFailure::NoReply {
            endpoint,
            tries: 1,
            timeout: Duration::from_millis(2500),
        };
        assert!(self::failure(&one).contains("após 1 tentativa de 2.5 s"));
        assert!(
            request_failed("mostrar", &one).ends_with("rodando?"),
            "no period after a question"
        );
    }
}
