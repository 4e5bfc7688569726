//! Authentication and encryption on the server's sockets: the ZAP handler libzmq asks about
//! each connection, and the PLAIN / CURVE options a socket needs for the access policy.

use crate::net::access::{self, AccessPolicy};

use super::{ServerError, zmq_error};

/// Binds the ZAP handler's socket when the policy needs one.
pub(super) fn start_zap_handler(
    context: &zmq::Context,
    policy: &AccessPolicy,
) -> Result<Option<zmq::Socket>, ServerError> {
    if !policy.needs_handler() {
        return Ok(None);
    }
    let zap = context
        .socket(zmq::REP)
        .map_err(zmq_error("creating the authentication socket"))?;
    zap.set_linger(0).map_err(zmq_error("setting linger"))?;
    zap.bind(access::ZAP_ENDPOINT)
        .map_err(zmq_error("binding the authentication socket"))?;
    Ok(Some(zap))
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
pub(super) fn answer_zap(zap: &zmq::Socket, policy: &AccessPolicy) -> Result<(), ServerError> {
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
