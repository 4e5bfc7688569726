//! `zlist shell`: the seed client's numbered menu (1-9, Portuguese prompts) for machines
//! without a display. Any other input is sent as a raw protocol command. Unlike the seed,
//! it shows the real connection state, never blocks forever, and checks the position of
//! `insert` before sending it.

use std::io::{BufRead, IsTerminal as _, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Args;
use crossbeam_channel::{Receiver, RecvTimeoutError};

use super::{ConnectArgs, Outcome, flag_hint_pt, format_debug, request_bound, wait_for};
use crate::net::client::{self, ClientEvent, ClientHandle, ClientOptions, ConnectionState};
use crate::net::protocol::{Command, Position};

/// The menu's title, as the seed prints it.
pub const TITLE: &str = "Cliente ZeroMQ - Lista Remota";
/// The menu's options, as the seed prints them.
pub const OPTIONS: [&str; 9] = [
    "1 - Mostrar lista atual",
    "2 - Adicionar elemento (append)",
    "3 - Inserir elemento em posição específica",
    "4 - Remover elemento",
    "5 - Pesquisar elemento",
    "6 - Ordenar lista (crescente)",
    "7 - Ordenar lista (decrescente)",
    "8 - Limpar lista",
    "9 - Sair",
];
/// The menu prompt.
pub const PROMPT: &str = "Escolha uma opção: ";
/// Printed on leaving (option 9 or end of input).
pub const GOODBYE: &str = "Saindo...";

const RULE: &str = "------------------------------";

/// How long the shell waits at start for the handshake before showing the menu anyway.
const MAX_CONNECT_WAIT: Duration = Duration::from_secs(2);

/// `zlist shell`: the seed's menu client.
#[derive(Debug, Clone, Args)]
pub struct ShellArgs {
    /// Where the server is, and how patiently to wait.
    #[command(flatten)]
    pub connection: ConnectArgs,
}

/// Runs `zlist shell` on stdin and stdout until option 9 or the end of input.
pub fn run(args: ShellArgs) -> anyhow::Result<ExitCode> {
    let stdin = std::io::stdin();
    // Typed input shows on a terminal; piped input is echoed so the transcript reads right.
    let echo = !stdin.is_terminal();
    run_with(
        args.connection.options()?,
        stdin.lock(),
        std::io::stdout(),
        echo,
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Runs the menu on any input and output. `echo` repeats each answer after its prompt, for
/// input that does not show by itself (a pipe or a file).
pub fn run_with<R: BufRead, W: Write>(
    options: ClientOptions,
    input: R,
    output: W,
    echo: bool,
) -> anyhow::Result<()> {
    let bound = request_bound(&options);
    let connect_wait = options.timeout.min(MAX_CONNECT_WAIT);
    let (handle, events) =
        client::spawn(options, Box::new(|| {})).context("cannot start the client")?;
    let mut shell = Shell {
        handle,
        events,
        input,
        output,
        echo,
        bound,
        state: ConnectionState::Connecting,
    };
    shell.greet(connect_wait)?;
    shell.menu_loop()
}

struct Shell<R, W> {
    handle: ClientHandle,
    events: Receiver<ClientEvent>,
    input: R,
    output: W,
    echo: bool,
    bound: Duration,
    state: ConnectionState,
}

/// What the user typed, or the end of input.
enum Answer {
    Line(String),
    End,
}

impl<R: BufRead, W: Write> Shell<R, W> {
    /// Waits briefly for the handshake and says truthfully where things stand.
    fn greet(&mut self, wait: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + wait;
        while !matches!(
            self.state,
            ConnectionState::Connected
                | ConnectionState::HandshakeFailed
                | ConnectionState::AuthFailed
        ) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(event) => self.show(&event)?,
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
            }
        }
        if self.state != ConnectionState::Connected {
            let line = format!(
                "[AVISO] Ainda sem conexão com {} ({}); os pedidos serão tentados assim mesmo.",
                self.handle.endpoint(),
                self.state.label()
            );
            self.say(&line)?;
        }
        Ok(())
    }

    fn menu_loop(&mut self) -> anyhow::Result<()> {
        loop {
            self.show_pending()?;
            self.print_menu()?;
            let Answer::Line(choice) = self.ask(PROMPT)? else {
                return self.leave();
            };
            let choice = choice.trim();
            let command = match choice {
                "" => continue,
                "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" => {
                    self.say(&format!("[DEBUG] Opção escolhida: {choice}"))?;
                    match self.option(choice)? {
                        Some(Choice::Send(command)) => command,
                        Some(Choice::Quit) | None => return self.leave(),
                    }
                }
                raw => Request::Raw(raw.to_owned()),
            };
            self.request(command)?;
        }
    }

    /// Asks the questions of a menu option; `None` when the input ended on the way.
    fn option(&mut self, choice: &str) -> anyhow::Result<Option<Choice>> {
        let command = match choice {
            "1" => Command::Show,
            "2" => match self.ask_element("Digite o elemento a adicionar: ")? {
                Some(element) => Command::Append(element),
                None => return Ok(None),
            },
            "3" => {
                let Some(position) = self.ask_position()? else {
                    return Ok(None);
                };
                match self.ask_element("Elemento a inserir: ")? {
                    Some(element) => Command::Insert { position, element },
                    None => return Ok(None),
                }
            }
            "4" => match self.ask_element("Elemento a remover: ")? {
                Some(element) => Command::Remove(element),
                None => return Ok(None),
            },
            "5" => match self.ask_element("Elemento a pesquisar: ")? {
                Some(element) => Command::Search(element),
                None => return Ok(None),
            },
            "6" => Command::SortAscending,
            "7" => Command::SortDescending,
            "8" => Command::Clear,
            _ => return Ok(Some(Choice::Quit)),
        };
        Ok(Some(Choice::Send(Request::Typed(command))))
    }

    /// Asks for an element until one is given; `None` at the end of input.
    fn ask_element(&mut self, prompt: &str) -> anyhow::Result<Option<String>> {
        loop {
            let Answer::Line(line) = self.ask(prompt)? else {
                return Ok(None);
            };
            let element = line.trim();
            if !element.is_empty() {
                return Ok(Some(element.to_owned()));
            }
            self.say("O elemento não pode ser vazio; digite o elemento.")?;
        }
    }

    /// Asks for a position until it is an integer; `None` at the end of input.
    fn ask_position(&mut self) -> anyhow::Result<Option<Position>> {
        loop {
            let Answer::Line(line) = self.ask("Posição onde inserir: ")? else {
                return Ok(None);
            };
            let word = line.trim();
            if let Some(position) = Position::parse(word) {
                return Ok(Some(position));
            }
            self.say(&format!(
                "Posição inválida: '{word}' não é um número inteiro. Digite um número, como 0 ou 4."
            ))?;
        }
    }

    /// Sends a request and shows the trail until it is answered or fails.
    fn request(&mut self, request: Request) -> anyhow::Result<()> {
        let id = match request {
            Request::Typed(command) => self.handle.send(command),
            Request::Raw(text) => self.handle.send_text(text),
        };
        let events = self.events.clone();
        let bound = self.bound;
        let mut shown = Ok(());
        let outcome = wait_for(&events, id, bound, |event| {
            if shown.is_ok() {
                shown = self.show(event);
            }
        });
        shown?;
        match outcome {
            // The trail has already shown the reply or the failure, in the seed's words; a
            // refusal gets the flags that give what the server wants.
            Outcome::Failed(error) => match flag_hint_pt(&error) {
                Some(hint) => self.say(&format!("[DICA] {hint}")),
                None => Ok(()),
            },
            Outcome::Reply(_) => Ok(()),
            Outcome::Lost => {
                anyhow::bail!(
                    "the client stopped without an answer for the request (a bug in zlist)"
                )
            }
        }
    }

    /// Shows the events that arrived while the shell waited for input.
    fn show_pending(&mut self) -> anyhow::Result<()> {
        while let Ok(event) = self.events.try_recv() {
            self.show(&event)?;
        }
        Ok(())
    }

    fn show(&mut self, event: &ClientEvent) -> anyhow::Result<()> {
        match event {
            ClientEvent::Debug(line) => self.say(&format_debug(line)),
            ClientEvent::Connection(state) => {
                self.state = *state;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn print_menu(&mut self) -> anyhow::Result<()> {
        let mut menu = format!("\n{RULE}\n{TITLE}\n");
        for option in OPTIONS {
            menu.push_str(option);
            menu.push('\n');
        }
        menu.push_str(RULE);
        self.say(&menu)
    }

    /// Prints a prompt and reads one line.
    fn ask(&mut self, prompt: &str) -> anyhow::Result<Answer> {
        write!(self.output, "{prompt}")
            .and_then(|()| self.output.flush())
            .context("cannot write to stdout")?;
        let mut line = String::new();
        let read = self
            .input
            .read_line(&mut line)
            .context("cannot read from stdin")?;
        if read == 0 {
            // The prompt is left without its answer: end its line.
            self.say("")?;
            return Ok(Answer::End);
        }
        let line = line.trim_end_matches(['\n', '\r']).to_owned();
        if self.echo {
            self.say(&line)?;
        }
        Ok(Answer::Line(line))
    }

    fn leave(&mut self) -> anyhow::Result<()> {
        self.say(GOODBYE)
    }

    fn say(&mut self, text: &str) -> anyhow::Result<()> {
        writeln!(self.output, "{text}")
            .and_then(|()| self.output.flush())
            .context("cannot write to stdout")
    }
}

/// What a menu option asks for.
enum Choice {
    Send(Request),
    Quit,
}

/// A request from the menu or typed raw.
enum Request {
    Typed(Command),
    Raw(String),
}
