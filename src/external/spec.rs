//! `--external NAME=COMMAND`: parsing, placeholders, and the private folder of inventories
//! the placeholders point at.

use super::ExternalError;
use fleetbench_inventory::Device;
use fleetbench_inventory::Format;
use fleetbench_inventory::write::{self, WriteOptions};
use fleetbench_report::StrategyKind;
use std::path::{Path, PathBuf};

/// `--external NAME=COMMAND`, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalSpec {
    pub name: String,
    pub command: String,
    pub argv: Vec<String>,
}

const PLACEHOLDERS: [&str; 6] = [
    "{inventory}",
    "{nornir}",
    "{ansible}",
    "{command}",
    "{results}",
    "{workers}",
];

impl ExternalSpec {
    pub fn parse(s: &str) -> Result<ExternalSpec, ExternalError> {
        let (name, command) = s
            .split_once('=')
            .ok_or_else(|| ExternalError::Syntax(s.to_string()))?;
        let name = name.trim();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(ExternalError::Syntax(s.to_string()));
        }
        if StrategyKind::parse(name).is_some() {
            return Err(ExternalError::BuiltinName(name.to_string()));
        }
        let bad = |message: String| ExternalError::Command {
            name: name.to_string(),
            message,
        };
        let argv = shlex::split(command)
            .ok_or_else(|| bad("unbalanced quotes or a trailing backslash in COMMAND".into()))?;
        if argv.is_empty() {
            return Err(bad("COMMAND is empty".into()));
        }
        for a in &argv {
            let mut rest = a.as_str();
            while let Some(i) = rest.find('{') {
                let tail = &rest[i..];
                if let Some(j) = tail.find('}') {
                    let word = &tail[..=j];
                    let looks = word.len() > 2
                        && word[1..word.len() - 1]
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c == '_');
                    if looks && !PLACEHOLDERS.contains(&word) {
                        return Err(bad(format!(
                            "unknown placeholder {word}; known: {}",
                            PLACEHOLDERS.join(", ")
                        )));
                    }
                    rest = &tail[j + 1..];
                } else {
                    break;
                }
            }
        }
        Ok(ExternalSpec {
            name: name.to_string(),
            command: command.trim().to_string(),
            argv,
        })
    }

    /// Refuses a program that is not there to run: a path (with a `/`) that is not an
    /// executable file, or a bare name found on no `PATH` entry. Run before anything else,
    /// so a mistyped poller costs no built-in strategy's run.
    pub fn check_program(&self) -> Result<(), ExternalError> {
        let program = self.argv.first().map(String::as_str).unwrap_or_default();
        // A placeholder as the program (`{inventory}` made executable?) is checked when run.
        if program.contains('{') {
            return Ok(());
        }
        let executable = |p: &Path| {
            use std::os::unix::fs::PermissionsExt;
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        };
        let found = if program.contains('/') {
            executable(Path::new(program))
        } else {
            std::env::var_os("PATH").is_some_and(|path| {
                std::env::split_paths(&path).any(|dir| executable(&dir.join(program)))
            })
        };
        if found {
            Ok(())
        } else {
            Err(ExternalError::Command {
                name: self.name.clone(),
                message: if program.contains('/') {
                    format!("{program} is not an executable file")
                } else {
                    format!("{program} is not found on PATH")
                },
            })
        }
    }

    /// argv with the placeholders filled in (each argument separately: a path with spaces
    /// stays one argument); `{workers}` is `workers`.
    pub fn argv_for(
        &self,
        ws: &Workspace,
        command: &str,
        results: &Path,
        workers: usize,
    ) -> Vec<String> {
        self.argv
            .iter()
            .map(|a| {
                a.replace("{inventory}", &ws.netmiko.display().to_string())
                    .replace("{nornir}", &ws.nornir.display().to_string())
                    .replace("{ansible}", &ws.ansible.display().to_string())
                    .replace("{results}", &results.display().to_string())
                    .replace("{workers}", &workers.to_string())
                    .replace("{command}", command)
            })
            .collect()
    }

    /// Whether the command takes its concurrency from `{workers}` (what `tune` searches).
    pub fn takes_workers(&self) -> bool {
        self.argv.iter().any(|a| a.contains("{workers}"))
    }
}

/// The private folder with the fleet's inventories and each run's results and logs.
pub struct Workspace {
    dir: tempfile::TempDir,
    pub netmiko: PathBuf,
    pub nornir: PathBuf,
    pub ansible: PathBuf,
}

impl Workspace {
    /// Writes the inventories of `devices` (files 0600 in a fresh 0700 folder).
    pub fn new(
        devices: &[Device],
        emulated: bool,
        jump: &write::JumpFiles,
    ) -> Result<Workspace, ExternalError> {
        let dir = tempfile::Builder::new()
            .prefix("fleetbench-external-")
            .tempdir()
            .map_err(ExternalError::Workspace)?;
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
                .map_err(ExternalError::Workspace)?;
        }
        // Registered before a credential is written, so a second Ctrl-C removes it too.
        super::cleanup::folder(dir.path());
        let opts = WriteOptions {
            check_host_keys: !emulated,
        };
        let netmiko = dir.path().join("devices.yaml");
        let nornir = dir.path().join("nornir");
        let ansible = dir.path().join("ansible.yaml");
        // With a jump host, each inventory carries it the way its tool reads it (an ssh_config
        // with ProxyJump for netmiko and Nornir, a proxy command for Ansible), its key and
        // known_hosts beside it, 0600 in this folder.
        write::write_with(&netmiko, Format::Netmiko, devices, opts, jump)
            .map_err(ExternalError::Workspace)?;
        let nornir_dir = PathBuf::from(format!("{}/", nornir.display()));
        write::write_with(&nornir_dir, Format::Nornir, devices, opts, jump)
            .map_err(ExternalError::Workspace)?;
        write::write_with(&ansible, Format::AnsibleYaml, devices, opts, jump)
            .map_err(ExternalError::Workspace)?;
        Ok(Workspace {
            dir,
            netmiko,
            nornir,
            ansible,
        })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        // `dir` removes the folder right after this.
        super::cleanup::folder_done(self.dir.path());
    }
}
