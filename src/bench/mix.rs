//! The round-trip benchmark's request mix: a cycle of eight seed commands per client that
//! leaves the list as it found it, each with a cheap check of its reply.

use std::fmt::Write as _;

/// The requests one client sends, in a cycle of eight that leaves the list as it found
/// it (as a set: the last step sorts it). Element names carry the client's index and
/// the cycle's number, so concurrent clients never touch each other's elements.
pub(crate) struct Mix {
    client: usize,
    cycle: u64,
    step: usize,
}

/// The mix, as shown in the report.
pub const MIX_DESCRIPTION: &str = "append X, pesquisar X (found), insert 0 Y, mostrar, \
     pesquisar (not found), remover Y, remover X, ordenar_cresc";

/// What the reply to a mix request must look like (a cheap check).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Expect {
    Exactly(&'static str),
    EndsWith(&'static str),
    StartsWith(&'static str),
}

impl Expect {
    /// Whether `reply` looks as expected.
    pub(crate) fn matches(self, reply: &[u8]) -> bool {
        match self {
            Self::Exactly(text) => reply == text.as_bytes(),
            Self::EndsWith(text) => reply.ends_with(text.as_bytes()),
            Self::StartsWith(text) => reply.starts_with(text.as_bytes()),
        }
    }
}

impl Mix {
    /// The mix of client number `client`, at its first step.
    pub(crate) fn new(client: usize) -> Self {
        Self {
            client,
            cycle: 0,
            step: 0,
        }
    }

    /// Whether the next request starts a cycle.
    pub(crate) fn at_cycle_start(&self) -> bool {
        self.step == 0
    }

    /// Writes the next request into `out` and says what its reply must look like.
    pub(crate) fn next_request(&mut self, out: &mut String) -> Expect {
        out.clear();
        let (c, k) = (self.client, self.cycle);
        // Writing to a String cannot fail.
        let expect = match self.step {
            0 => {
                let _ = write!(out, "append b{c}.{k}");
                Expect::EndsWith("' adicionado.")
            }
            1 => {
                let _ = write!(out, "pesquisar b{c}.{k}");
                Expect::Exactly("Encontrado")
            }
            2 => {
                let _ = write!(out, "insert 0 a{c}.{k}");
                Expect::EndsWith("' inserido na posição 0.")
            }
            3 => {
                out.push_str("mostrar");
                Expect::StartsWith("[")
            }
            4 => {
                let _ = write!(out, "pesquisar z{c}");
                Expect::Exactly("Não encontrado")
            }
            5 => {
                let _ = write!(out, "remover a{c}.{k}");
                Expect::EndsWith("' removido.")
            }
            6 => {
                let _ = write!(out, "remover b{c}.{k}");
                Expect::EndsWith("' removido.")
            }
            _ => {
                out.push_str("ordenar_cresc");
                Expect::Exactly("Lista ordenada crescentemente.")
            }
        };
        self.step += 1;
        if self.step == 8 {
            self.step = 0;
            self.cycle += 1;
        }
        expect
    }
}
