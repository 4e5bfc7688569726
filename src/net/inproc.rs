//! In-process PAIR sockets that tell a serving thread to stop: the thread polls the
//! receiving end, its owner sends on the other.

/// A bound receiving end and a connected sending end on `address` (an `inproc://` name,
/// unique within `context`); the error says which step failed.
pub(crate) fn stop_pair(
    context: &zmq::Context,
    address: &str,
) -> Result<(zmq::Socket, zmq::Socket), (&'static str, zmq::Error)> {
    let create = |source| ("creating the stop socket", source);
    let rx = context.socket(zmq::PAIR).map_err(create)?;
    rx.bind(address)
        .map_err(|source| ("binding the stop socket", source))?;
    let tx = context.socket(zmq::PAIR).map_err(create)?;
    tx.connect(address)
        .map_err(|source| ("connecting the stop socket", source))?;
    Ok((rx, tx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_sent_on_one_end_arrives_on_the_other() {
        let context = zmq::Context::new();
        let (rx, tx) = stop_pair(&context, "inproc://zlist-test-stop").unwrap();
        tx.send("stop", 0).unwrap();
        assert_eq!(rx.recv_bytes(0).unwrap(), b"stop");
        let Err((doing, _)) = stop_pair(&context, "inproc://zlist-test-stop") else {
            panic!("an address in use cannot be bound twice");
        };
        assert_eq!(doing, "binding the stop socket");
    }
}
