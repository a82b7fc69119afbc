//! A device's jump host from its inventory keys, the same in every format: fleetbench's own
//! (`bastion: [user@]host[:port]`, with `bastion_key_file` and `bastion_password`; Nornir
//! keeps them in `data`, Ansible as `fleetbench_bastion*` variables), or netmiko's
//! `ssh_config_file` with a `ProxyJump` for the device's host ([`super::ssh_config`]).

use super::error::{DeviceRef, InventoryError, Location};
use super::ssh_config::SshConfig;
use crate::device::Bastion;
use crate::secret::Secret;
use std::path::PathBuf;

/// The jump host keys of one device as read (each with where it was written).
#[derive(Debug, Default)]
pub(super) struct JumpKeys {
    /// `(key name, value, where)`: `bastion` or `fleetbench_bastion`.
    pub target: Option<(&'static str, String, Location)>,
    pub key_file: Option<PathBuf>,
    pub password: Option<Secret>,
    pub ssh_config: Option<(&'static str, PathBuf, Location)>,
}

impl JumpKeys {
    /// The device's jump host, if any; `user` is the device's (the default login), `home`
    /// expands `~` in an ssh_config's `IdentityFile`.
    pub fn resolve(
        self,
        device: &DeviceRef,
        host: &str,
        user: &str,
        home: Option<&str>,
    ) -> Result<Option<Bastion>, InventoryError> {
        let err = |at: &Location, key: &'static str, message: String| InventoryError::Bastion {
            at: at.clone(),
            device: device.clone(),
            key,
            message,
        };
        match (self.target, self.ssh_config) {
            (None, None) => Ok(None),
            (Some((key, _, at)), Some(_)) => Err(err(
                &at,
                key,
                "give the jump host once: either this or ssh_config_file".into(),
            )),
            (Some((key, value, at)), None) => {
                let (u, h, port) = Bastion::parse_target(&value).map_err(|e| err(&at, key, e))?;
                Ok(Some(Bastion {
                    host: h,
                    port,
                    username: u.unwrap_or_else(|| user.to_string()),
                    password: self.password,
                    key_file: self.key_file,
                }))
            }
            (None, Some((key, path, at))) => {
                let origin = path.display().to_string();
                let text = super::limits::read_bounded(&path, &origin)
                    .map_err(|e| err(&at, key, e.to_string()))?;
                let mut b = SshConfig::parse(&text)
                    .jump(host, user, home)
                    .map_err(|e| err(&at, key, format!("{origin}: {e}")))?;
                if let Some(b) = &mut b {
                    // fleetbench's own keys still give what an ssh_config cannot hold.
                    b.password = self.password;
                    if self.key_file.is_some() {
                        b.key_file = self.key_file;
                    }
                }
                Ok(b)
            }
        }
    }
}
