//! A device's initial running-config: the template, filled in from its identity and its
//! place in the fleet (addresses, ring links, OSPF and BGP peers, the SSH stack's algorithms).

use super::tree::{Config, short_if};
use crate::identity::{self, FleetLayout, Identity, PHYSICAL};
use crate::profile::SshStack;

/// The template every device's initial running-config is made from.
pub(super) const TEMPLATE: &str = include_str!("../../fixtures/running-config.txt");

impl Config {
    /// The initial running-config of device `id` in the fleet `layout`.
    pub fn initial(layout: &FleetLayout, id: &Identity, ssh: SshStack) -> Config {
        let mut interfaces = String::new();
        let lo = id.router_id;
        let v6 = identity::loopback_v6(id.index);
        interfaces.push_str(&format!(
            "interface Loopback0\n description Router-ID\n ip address {lo} 255.255.255.255\n ipv6 address {v6}/128\n ip ospf 1 area 0\n!\n"
        ));
        interfaces.push_str(&format!(
            "interface {}\n description Management\n ip address {} {}\n duplex auto\n speed auto\n media-type rj45\n!\n",
            PHYSICAL[0],
            id.mgmt,
            identity::mask(identity::MGMT_PREFIX)
        ));
        let neighbors = layout.neighbors(id.index);
        for port in [PHYSICAL[1], PHYSICAL[2]] {
            match neighbors.iter().find(|n| n.local_if == port) {
                Some(n) => interfaces.push_str(&format!(
                    "interface {port}\n description Link to {}.{} {}\n ip address {} 255.255.255.254\n ip ospf network point-to-point\n ip ospf 1 area 0\n duplex auto\n speed auto\n media-type rj45\n!\n",
                    identity::hostname(n.remote),
                    identity::DOMAIN,
                    short_if(n.remote_if),
                    n.local_addr
                )),
                None => interfaces.push_str(&format!(
                    "interface {port}\n description Reserved\n no ip address\n shutdown\n duplex auto\n speed auto\n media-type rj45\n!\n"
                )),
            }
        }
        interfaces.push_str(&format!(
            "interface {}\n description Reserved\n no ip address\n shutdown\n duplex auto\n speed auto\n media-type rj45\n!\n",
            PHYSICAL[3]
        ));
        let mut ospf = format!("router ospf 1\n router-id {lo}\n passive-interface default\n");
        for n in &neighbors {
            ospf.push_str(&format!(" no passive-interface {}\n", n.local_if));
        }
        ospf.push_str("!\n");
        let mut bgp = format!(
            "router bgp {}\n bgp router-id {lo}\n bgp log-neighbor-changes\n",
            id.asn
        );
        for n in &neighbors {
            bgp.push_str(&format!(
                " neighbor {} remote-as {}\n neighbor {} description {}\n",
                n.remote_addr,
                identity::asn(n.remote),
                n.remote_addr,
                identity::hostname(n.remote)
            ));
        }
        bgp.push_str(" !\n address-family ipv4\n");
        bgp.push_str(&format!("  network {lo} mask 255.255.255.255\n"));
        for n in &neighbors {
            bgp.push_str(&format!("  neighbor {} activate\n", n.remote_addr));
        }
        bgp.push_str(" exit-address-family\n!\n");
        let ssh = match ssh {
            SshStack::Modern => {
                "ip ssh server algorithm encryption aes128-gcm aes256-gcm aes128-ctr aes192-ctr aes256-ctr\nip ssh server algorithm kex curve25519-sha256 ecdh-sha2-nistp256 diffie-hellman-group14-sha256\nip ssh server algorithm mac hmac-sha2-256-etm@openssh.com hmac-sha2-512-etm@openssh.com hmac-sha2-256 hmac-sha2-512\nip ssh server algorithm hostkey ssh-ed25519\n"
            }
            SshStack::Legacy => {
                "ip ssh server algorithm encryption aes128-ctr aes192-ctr aes256-ctr aes128-cbc aes256-cbc\nip ssh server algorithm kex diffie-hellman-group14-sha1 diffie-hellman-group-exchange-sha1\nip ssh server algorithm mac hmac-sha1\nip ssh server algorithm hostkey ssh-rsa\n"
            }
        };
        let text = TEMPLATE
            .replace("{{hostname}}", &id.hostname)
            .replace("{{domain}}", identity::DOMAIN)
            .replace("{{interfaces}}", &interfaces)
            .replace("{{ospf}}", &ospf)
            .replace("{{bgp}}", &bgp)
            .replace("{{gateway}}", &identity::MGMT_GATEWAY.to_string())
            .replace("{{ssh}}", ssh)
            .replace("{{loopback}}", &lo.to_string());
        Config::parse(&text)
    }
}
