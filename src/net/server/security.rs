//! Authentication and encryption on the server's sockets: the ZAP handler libzmq asks about
//! each connection, and the PLAIN / CURVE options a socket needs for the access policy.

use crate::net::access::{self, AccessPolicy};
use crate::net::inproc::StoppableThread;

use super::{ServerError, zmq_error};

/// The ZAP handler: its own thread, answering libzmq's authentication requests for every
/// socket of the server's context, so that the request loop has one socket to wait on.
/// Dropping it stops the thread.
pub(super) struct ZapHandler(#[allow(dead_code)] StoppableThread);

impl ZapHandler {
    /// Binds the ZAP handler's socket when the policy needs one, and starts answering on
    /// it. It must start before the server sockets bind, so that no connection is ever let
    /// in unchecked. A failed answer is logged and the next request served: libzmq refuses
    /// the connection it was about.
    pub(super) fn start(
        context: &zmq::Context,
        policy: &AccessPolicy,
    ) -> Result<Option<Self>, ServerError> {
        if !policy.needs_handler() {
            return Ok(None);
        }
        let zap = context
            .socket(zmq::REP)
            .map_err(zmq_error("creating the authentication socket"))?;
        zap.set_linger(0).map_err(zmq_error("setting linger"))?;
        zap.bind(access::ZAP_ENDPOINT)
            .map_err(zmq_error("binding the authentication socket"))?;
        let policy = policy.clone();
        let answer = move |zap: &zmq::Socket| {
            if let Err(error) = answer_zap(zap, &policy) {
                tracing::warn!("{error}");
            }
        };
        StoppableThread::spawn(context, "inproc://zlist-zap-stop", "zlist-zap", zap, answer)
            .map(|thread| Some(Self(thread)))
            .map_err(|(doing, source)| zmq_error(doing)(source))
    }
}

/// Turns on authentication and encryption on a server socket (requests or updates): every
/// connection goes through ZAP, with a token the PLAIN mechanism is required, and with
/// CURVE keys the CURVE one.
pub(super) fn configure_access(
    router: &zmq::Socket,
    policy: &AccessPolicy,
) -> Result<(), ServerError> {
    configure_curve(router, policy)?;
    if !policy.needs_handler() {
        return Ok(());
    }
    router
        .set_zap_domain(access::ZAP_DOMAIN)
        .map_err(zmq_error("setting the ZAP domain"))?;
    if policy.needs_plain() {
        router
            .set_plain_server(true)
            .map_err(zmq_error("enabling PLAIN authentication"))?;
    }
    Ok(())
}

/// Turns on encryption on a server socket, when the policy asks for CURVE.
fn configure_curve(socket: &zmq::Socket, policy: &AccessPolicy) -> Result<(), ServerError> {
    match &policy.curve {
        Some(keys) => keys
            .apply(socket)
            .map_err(zmq_error("enabling CURVE encryption")),
        None => Ok(()),
    }
}

/// Answers one authentication request from libzmq.
fn answer_zap(zap: &zmq::Socket, policy: &AccessPolicy) -> Result<(), ServerError> {
    let request = match zap.recv_multipart(zmq::DONTWAIT) {
        Ok(request) => request,
        Err(zmq::Error::EAGAIN | zmq::Error::EINTR) => return Ok(()),
        Err(source) => {
            return Err(ServerError::Zmq {
                doing: "receiving an authentication request",
                source,
            });
        }
    };
    zap.send_multipart(policy.answer_zap(&request), 0)
        .map_err(zmq_error("answering an authentication request"))
}
