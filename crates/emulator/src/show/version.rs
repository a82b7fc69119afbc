//! `show version` of the IOS family: the IOSv router every `cisco_ios` device is, and the
//! IOS-XE Catalyst 8000V a `cisco_xe` device is (laid out as ntc-templates'
//! `cisco_ios_show_version` fixtures of XE devices show it), with IOS's uptime wording.

use chrono::{DateTime, TimeDelta, Utc};

use crate::identity::{self, Identity};

/// The software line every device reports (`show version`, CDP, LLDP).
pub const SOFTWARE: &str = "Cisco IOS Software, IOSv Software (VIOS-ADVENTERPRISEK9-M), Version 15.9(3)M4, RELEASE SOFTWARE (fc3)";

pub(super) const SOFTWARE_LINES: [&str; 4] = [
    SOFTWARE,
    "Technical Support: http://www.cisco.com/techsupport",
    "Copyright (c) 1986-2021 by Cisco Systems, Inc.",
    "Compiled Thu 28-Oct-21 14:31 by mcpre",
];

/// The export notice every IOS and IOS-XE `show version` prints.
pub const CRYPTO_NOTICE: &str =
    "This product contains cryptographic features and is subject to United
States and local country laws governing import, export, transfer and
use. Delivery of Cisco cryptographic products does not imply
third-party authority to import, export, distribute or use encryption.
Importers, exporters, distributors and users are responsible for
compliance with U.S. and local country laws. By using this product you
agree to comply with applicable laws and regulations. If you are unable
to comply with U.S. and local laws, return this product immediately.

A summary of U.S. laws governing Cisco cryptographic products may be found at:
http://www.cisco.com/wwl/export/crypto/tool/stqrg.html

If you require further assistance please contact us by sending email to
export@cisco.com.";

/// `show version`: needs no config but the hostname, so the hot path of a benchmark
/// (`show version` on every device) copies no configuration.
pub fn version(h: &str, id: &Identity, now: DateTime<Utc>, boot: DateTime<Utc>) -> Vec<String> {
    let phys = identity::PHYSICAL.len();
    let mut v: Vec<String> = SOFTWARE_LINES.iter().map(|s| s.to_string()).collect();
    v.extend(
        format!(
            "

ROM: Bootstrap program is IOSv

{h} uptime is {uptime}
System returned to ROM by reload
System image file is \"flash0:/vios-adventerprisek9-m\"
Last reload reason: Unknown reason



{CRYPTO_NOTICE}

Cisco IOSv (revision 1.0) with  with 460137K/62464K bytes of memory.
Processor board ID {serial}
{phys} Gigabit Ethernet interfaces
DRAM configuration is 72 bits wide with parity disabled.
256K bytes of non-volatile configuration memory.
2097152K bytes of ATA System CompactFlash 0 (Read/Write)
0K bytes of ATA CompactFlash 1 (Read/Write)
0K bytes of ATA CompactFlash 2 (Read/Write)
10080K bytes of ATA CompactFlash 3 (Read/Write)

Configuration register is 0x0",
            uptime = uptime(now.signed_duration_since(boot)),
            serial = id.serial,
        )
        .lines()
        .map(str::to_string),
    );
    v
}

/// IOS uptime wording: `2 days, 3 hours, 4 minutes`; leading zero units are left out.
pub fn uptime(d: TimeDelta) -> String {
    let mins = d.num_minutes().max(0);
    let parts = [
        (mins / (7 * 24 * 60), "week"),
        (mins / (24 * 60) % 7, "day"),
        (mins / 60 % 24, "hour"),
        (mins % 60, "minute"),
    ];
    let first = parts.iter().position(|(n, _)| *n > 0).unwrap_or(3);
    parts[first..]
        .iter()
        .map(|(n, unit)| format!("{n} {unit}{}", if *n == 1 { "" } else { "s" }))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `show version` of an IOS-XE 17.9 virtual router named `hostname`.
pub fn xe_version(hostname: &str, boot: DateTime<Utc>, now: DateTime<Utc>) -> Vec<String> {
    let up = uptime(now.signed_duration_since(boot));
    let restarted = boot.format("%H:%M:%S UTC %a %b %-d %Y");
    let text = format!(
        "Cisco IOS XE Software, Version 17.09.04a
Cisco IOS Software [Cupertino], Virtual XE Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), Version 17.9.4a, RELEASE SOFTWARE (fc3)
Technical Support: http://www.cisco.com/techsupport
Copyright (c) 1986-2023 by Cisco Systems, Inc.
Compiled Fri 20-Oct-23 10:44 by mcpre


Cisco IOS-XE software, Copyright (c) 2005-2023 by cisco Systems, Inc.
All rights reserved.  Certain components of Cisco IOS-XE software are
licensed under the GNU General Public License (\"GPL\") Version 2.0.  The
software code licensed under GPL Version 2.0 is free software that comes
with ABSOLUTELY NO WARRANTY.  You can redistribute and/or modify such
GPL code under the terms of GPL Version 2.0.  For more details, see the
documentation or \"License Notice\" file accompanying the IOS-XE software,
or the applicable URL provided on the flyer accompanying the IOS-XE
software.


ROM: IOS-XE ROMMON

{hostname} uptime is {up}
Uptime for this control processor is {up}
System returned to ROM by reload
System restarted at {restarted}
System image file is \"bootflash:packages.conf\"
Last reload reason: reload



{CRYPTO_NOTICE}


Technology Package License Information:

-----------------------------------------------------------------
Technology    Type         Technology-package Technology-package
                           Current            Next Reboot
-----------------------------------------------------------------
Smart License Perpetual    network-advantage  network-advantage
Smart License Subscription dna-advantage      dna-advantage

The current crypto throughput level is 250000 kbps


Smart Licensing Status: Registration Not Applicable/Not Applicable

cisco C8000V (VXE) processor (revision VXE) with 1987999K/3075K bytes of memory.
Processor board ID 9ZJ5DSN8LBB
Router operating mode: Autonomous
4 Gigabit Ethernet interfaces
32768K bytes of non-volatile configuration memory.
3965316K bytes of physical memory.
11526144K bytes of virtual hard disk at bootflash:.

Configuration register is 0x2102"
    );
    text.lines().map(str::to_string).collect()
}
