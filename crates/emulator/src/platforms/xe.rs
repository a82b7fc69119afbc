//! IOS-XE: the IOS CLI ([`crate::ios`]) with XE's `show version` (a Catalyst 8000V,
//! laid out as ntc-templates' `cisco_ios_show_version` fixtures of XE devices show it).

use chrono::{DateTime, Utc};

use crate::ios::uptime;
use crate::show::CRYPTO_NOTICE;

/// `show version` of an IOS-XE 17.9 virtual router named `hostname`.
pub fn show_version(hostname: &str, boot: DateTime<Utc>, now: DateTime<Utc>) -> Vec<String> {
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
