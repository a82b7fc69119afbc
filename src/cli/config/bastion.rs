//! `--bastion` validated against the fleet it fronts: which jump host, how to log in to it,
//! how sessions use it.

use super::super::args::FleetArgs;
use super::FleetSource;
use anyhow::{Result, anyhow};
use std::path::PathBuf;

/// `--bastion`, validated: which jump host, how to log in to it, how sessions use it.
#[derive(Debug, Clone, Default)]
pub struct BastionConfig {
    pub target: Option<BastionTarget>,
    /// `--bastion-key`.
    pub key: Option<PathBuf>,
    /// `--ask-bastion-password`.
    pub ask_password: bool,
    /// `--bastion-mode` and `--bastion-channels` (the default resolved).
    pub plan: fleetbench_client::jump::JumpPlan,
}

/// The jump host `--bastion` names.
#[derive(Debug, Clone, PartialEq)]
pub enum BastionTarget {
    /// The emulated fleet's own.
    Emulated,
    /// `[user@]host[:port]` in front of every inventory device.
    Address {
        user: Option<String>,
        host: String,
        port: u16,
    },
}

/// `--bastion` against the fleet it fronts.
pub(super) fn bastion(a: &FleetArgs, source: &FleetSource) -> Result<BastionConfig> {
    let b = &a.bastion;
    let emulated_limit = match source {
        FleetSource::Emulated { profile, .. } => profile.profile.bastion.max_sessions,
        FleetSource::Inventory(_) => None,
    };
    let target = match (&b.bastion, source) {
        (None, _) => None,
        (Some(v), FleetSource::Emulated { network, .. }) => {
            if !v.is_empty() {
                return Err(anyhow!(
                    "--bastion {v:?}: the emulated fleet serves its own jump host; give --bastion alone \
                     (an address is for an --inventory fleet)"
                ));
            }
            if network.is_some() {
                return Err(anyhow!(
                    "--bastion and --network do not mix yet: the jump host's place between the \
                     emulated namespaces is not emulated"
                ));
            }
            Some(BastionTarget::Emulated)
        }
        (Some(v), FleetSource::Inventory(_)) if v.is_empty() => {
            return Err(anyhow!(
                "--bastion needs [user@]host[:port] for an --inventory fleet (alone, it means the \
                 emulated fleet's own)"
            ));
        }
        (Some(v), FleetSource::Inventory(_)) => {
            let (user, host, port) = fleetbench_inventory::Bastion::parse_target(v)
                .map_err(|e| anyhow!("--bastion {e}"))?;
            Some(BastionTarget::Address { user, host, port })
        }
    };
    if target == Some(BastionTarget::Emulated)
        && (b.bastion_key.is_some() || b.ask_bastion_password)
    {
        return Err(anyhow!(
            "--bastion-key and --ask-bastion-password are for a real jump host; the emulated one's \
             credentials are fleetbench's"
        ));
    }
    Ok(BastionConfig {
        target,
        key: b.bastion_key.clone(),
        ask_password: b.ask_bastion_password,
        plan: fleetbench_client::jump::JumpPlan {
            mode: b.bastion_mode,
            channels_per_connection: b
                .bastion_channels
                .or(emulated_limit)
                .unwrap_or(fleetbench_client::jump::DEFAULT_CHANNELS),
        },
    })
}
