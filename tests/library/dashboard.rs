//! The adoption dashboard on a known set of records: what the page and its data say, and the
//! routes that serve them.

use std::net::SocketAddr;

use mithril_compat::adoption::dashboard::{self, Dashboard, DashboardConfig};
use mithril_compat::adoption::{
    AdoptionError, AdoptionMonitor, EraSignal, GateState, MemoryStore, Provenance, RecordStore,
    RegistrationRecord, RegistrationWire, RuleConfig, TallyError, UnverifiedReason,
};
use mithril_compat::domain::{
    Epoch, EraName, PartyId, ProtocolParameters, SoftwareVersion, Stake, WireVersionId,
};
use mithril_compat::era::EraMarker;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn lagrange() -> EraName {
    EraName::new("lagrange").unwrap()
}

struct Pool {
    party: &'static str,
    stake: u64,
    /// (epoch from which it runs 0.2.0, its provenance)
    upgrade: Option<(u64, Provenance)>,
    wire: RegistrationWire,
    signs: bool,
    version: &'static str,
}

fn pools() -> Vec<Pool> {
    let v = |number| RegistrationWire::Protobuf(WireVersionId::new(number).unwrap());
    vec![
        Pool {
            party: "pool-a",
            stake: 500,
            upgrade: Some((11, Provenance::Verified)),
            wire: v(2),
            signs: true,
            version: "0.1.0",
        },
        Pool {
            party: "pool-b",
            stake: 300,
            upgrade: None,
            wire: v(1),
            signs: true,
            version: "0.1.0",
        },
        Pool {
            party: "pool-c",
            stake: 150,
            upgrade: Some((10, Provenance::Unverified(UnverifiedReason::Unsigned))),
            wire: RegistrationWire::Json,
            signs: true,
            version: "0.1.0",
        },
        Pool {
            party: "pool-d",
            stake: 40,
            upgrade: Some((10, Provenance::Verified)),
            wire: v(2),
            signs: false,
            version: "0.1.0",
        },
        // A node that declares markup for a version: the page must show it as text.
        Pool {
            party: "pool-e",
            stake: 10,
            upgrade: None,
            wire: v(1),
            signs: true,
            version: "0.1.0<script>alert(1)</script>",
        },
    ]
}

/// Four epochs of records (10 to 13), the gate moved on proof at each: pool-a shadow-signs from
/// epoch 12, so the gate is ready at 12 and 13 and locks in at 13 (activation proposed at 15).
fn monitor() -> AdoptionMonitor<MemoryStore> {
    let parameters = ProtocolParameters::new(5, 50, 0.9).unwrap();
    let mut monitor =
        AdoptionMonitor::new(MemoryStore::new(), parameters, lagrange()).with_rule(RuleConfig {
            max_cut_off: 0.6,
            ..RuleConfig::default()
        });
    for epoch in 10..=13 {
        for pool in pools() {
            let upgraded = pool.upgrade.as_ref().filter(|(at, _)| *at <= epoch);
            let (version, eras, provenance) = match upgraded {
                Some((_, provenance)) => (
                    "0.2.0",
                    vec![EraName::new("pythagoras").unwrap(), lagrange()],
                    provenance.clone(),
                ),
                None => (
                    pool.version,
                    vec![EraName::new("pythagoras").unwrap()],
                    Provenance::Verified,
                ),
            };
            let record = RegistrationRecord {
                epoch: Epoch(epoch),
                party_id: PartyId::new(pool.party).unwrap(),
                stake: Stake(pool.stake),
                software_version: SoftwareVersion::new(version).unwrap(),
                wire: pool.wire,
                supported_eras: eras,
                distribution_version: None,
                wire_versions: Vec::new(),
                database_version: None,
                protocol_versions: Vec::new(),
                provenance,
            };
            monitor.store_mut().put_registration(record).unwrap();
            if pool.signs {
                monitor
                    .record_signatures(Epoch(epoch), &PartyId::new(pool.party).unwrap(), 1)
                    .unwrap();
            }
        }
        let shadow = epoch >= 12;
        if shadow {
            monitor
                .record_shadow_signatures(Epoch(epoch), &PartyId::new("pool-a").unwrap(), 1)
                .unwrap();
        }
        monitor
            .advance_proven(Epoch(epoch), EraSignal::Announced, shadow.then_some(40))
            .unwrap();
    }
    monitor
}

fn dashboard_of(monitor: &AdoptionMonitor<MemoryStore>) -> Dashboard {
    monitor
        .dashboard(Epoch(13), &DashboardConfig::default())
        .unwrap()
        .with_schedule(
            Some((EraName::new("pythagoras").unwrap(), Epoch(0))),
            &[EraMarker::announced(lagrange())],
        )
}

#[test]
fn the_dashboard_says_where_adoption_stands_how_it_moved_and_what_the_gate_waits_for() {
    let monitor = monitor();
    let dashboard = dashboard_of(&monitor);

    // The report is the monitor's report of the epoch.
    assert_eq!(
        serde_json::to_value(&dashboard.report).unwrap(),
        serde_json::to_value(monitor.report(Epoch(13)).unwrap()).unwrap()
    );
    // Four epochs of history, with the shares of each.
    let epochs: Vec<u64> = dashboard
        .history
        .iter()
        .map(|point| point.epoch.0)
        .collect();
    assert_eq!(epochs, [10, 11, 12, 13]);
    let first = &dashboard.history[0];
    let latest = dashboard.latest().unwrap();
    assert!((first.by_software_version["0.2.0"] - 0.19).abs() < 1e-9);
    assert!((latest.by_software_version["0.2.0"] - 0.69).abs() < 1e-9);
    assert!((latest.by_software_version["0.1.0"] - 0.30).abs() < 1e-9);
    assert!((latest.by_wire["json"] - 0.15).abs() < 1e-9);
    // Ready by provenance: verified pool-a (pool-d never signs), unverified pool-c.
    assert!((latest.ready_by_provenance["verified"] - 0.5).abs() < 1e-9);
    assert!((latest.ready_by_provenance["unverified"] - 0.15).abs() < 1e-9);
    assert_eq!(latest.ready_by_provenance["header_only"], 0.0);
    assert!((latest.ready_share - 0.5).abs() < 1e-9);
    // The gate, epoch by epoch: waiting without shadow signers, then ready, then locked in.
    let states: Vec<GateState> = dashboard
        .history
        .iter()
        .map(|point| point.gate.as_ref().unwrap().state)
        .collect();
    assert_eq!(
        states,
        [
            GateState::Started,
            GateState::Started,
            GateState::Started,
            GateState::LockedIn
        ]
    );
    assert!(
        first
            .gate
            .as_ref()
            .unwrap()
            .explanation
            .as_deref()
            .unwrap()
            .starts_with("waiting: no signer shadow-signs")
    );
    assert_eq!(latest.gate.as_ref().unwrap().proven_share, Some(0.5));
    let gate = dashboard.report.gate.as_ref().unwrap();
    assert_eq!(gate.proposed_activation, Some(Epoch(15)));
    // The schedule: pythagoras in force, lagrange announced, and the gate's proposal.
    let schedule: Vec<(&str, Option<u64>, &str)> = dashboard
        .schedule
        .iter()
        .map(|entry| {
            (
                entry.era.as_str(),
                entry.epoch.map(|at| at.0),
                entry.status.as_str(),
            )
        })
        .collect();
    assert_eq!(
        schedule,
        [
            ("pythagoras", Some(0), "in force"),
            ("lagrange", None, "announced"),
            ("lagrange", Some(15), "proposed"),
        ]
    );
    // The largest pools not ready, largest first, each with why.
    let not_ready: Vec<(&str, &str)> = dashboard
        .not_ready
        .iter()
        .map(|pool| (pool.party_id.as_str(), pool.reason.as_str()))
        .collect();
    assert_eq!(
        not_ready,
        [
            ("pool-b", "does not declare lagrange"),
            ("pool-c", "declaration unverified (no node info signature)"),
            ("pool-d", "no signature in the last 2 epoch(s)"),
            ("pool-e", "does not declare lagrange"),
        ]
    );
}

#[test]
fn the_page_shows_the_numbers_beside_the_colours_and_markup_as_text() {
    let dashboard = dashboard_of(&monitor());
    let page = dashboard.to_html();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<meta http-equiv=\"refresh\" content=\"30\">"));
    assert!(page.contains("name=\"viewport\""));
    // Four charts, inline, each with a title; no script and no external asset.
    assert_eq!(page.matches("<svg").count(), 4, "{page}");
    for title in [
        "Stake by software version",
        "Stake by wire version",
        "Ready for lagrange, by provenance",
        "P(no certificate) if only the ready stake signs",
    ] {
        assert!(page.contains(title), "{title}");
    }
    assert!(!page.contains("<script"));
    assert!(!page.contains("src=\"http"));
    assert!(!page.contains("href=\"http"));
    // The shares, in the legends and beside each colour in the tables.
    assert!(page.contains("0.2.0 69.0%"));
    assert!(page.contains("0.2.0</td><td class=\"num\">69.0%"));
    assert!(page.contains("json 15.0%"));
    // The gate's state, its explanation, and the proposed epoch.
    assert!(page.contains("<span class=\"state locked_in\">locked_in</span>"));
    assert!(page.contains("proposed activation: epoch 15"));
    let explanation = dashboard
        .report
        .gate
        .as_ref()
        .unwrap()
        .explanation
        .clone()
        .unwrap();
    assert!(explanation.starts_with("ready on proven stake"));
    assert!(page.contains(&explanation.replace('<', "&lt;").replace('>', "&gt;")));
    // The not-ready table, largest first; a declared version with markup is text.
    let b = page.find("<code>pool-b</code>").unwrap();
    let c = page.find("<code>pool-c</code>").unwrap();
    assert!(b < c);
    assert!(page.contains("0.1.0&lt;script&gt;alert(1)&lt;/script&gt;"));
    // A page that does not refresh itself.
    let still = Dashboard {
        refresh_seconds: None,
        ..dashboard
    };
    assert!(!still.to_html().contains("http-equiv"));
}

#[test]
fn an_epoch_without_registrations_has_no_dashboard_and_says_why() {
    let monitor = AdoptionMonitor::new(MemoryStore::new(), ProtocolParameters::MAINNET, lagrange());
    let error = monitor
        .dashboard(Epoch(5), &DashboardConfig::default())
        .unwrap_err();
    assert!(
        matches!(
            error,
            AdoptionError::Tally(TallyError::NoRegistrations(Epoch(5)))
        ),
        "{error}"
    );
    // A dashboard without a schedule says so.
    let page = dashboard_of(&self::monitor()).to_html();
    assert!(page.contains("<td>pythagoras</td>"));
    let unscheduled = Dashboard {
        schedule: Vec::new(),
        ..dashboard_of(&self::monitor())
    };
    assert!(unscheduled.to_html().contains("No schedule read."));
}

async fn get(address: SocketAddr, path: &str) -> (u16, String, String) {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let content_type = head
        .lines()
        .find_map(|line| {
            line.to_ascii_lowercase()
                .strip_prefix("content-type: ")
                .map(str::to_owned)
        })
        .unwrap_or_default();
    (status, content_type, body.to_owned())
}

#[tokio::test]
async fn the_routes_serve_the_page_and_its_data_and_say_when_there_is_none() {
    let expected = dashboard_of(&monitor());
    let served = expected.clone();
    let router = dashboard::routes(move || Ok(served.clone()));
    // The failing source, on a router of its own.
    let failing = dashboard::routes(|| Err::<Dashboard, _>("no records yet".to_owned()));
    let mut addresses = Vec::new();
    for router in [router, failing] {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        addresses.push(listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
    }

    let (status, content_type, page) = get(addresses[0], "/adoption").await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "text/html; charset=utf-8");
    assert!(page.contains("proposed activation: epoch 15"));
    let (status, content_type, json) = get(addresses[0], "/adoption.json").await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "application/json");
    let read: Dashboard = serde_json::from_str(&json).unwrap();
    assert_eq!(
        serde_json::to_value(&read).unwrap(),
        serde_json::to_value(&expected).unwrap()
    );

    let (status, _, body) = get(addresses[1], "/adoption").await;
    assert_eq!(status, 503);
    assert_eq!(body, "no dashboard: no records yet\n");
    let (status, _, _) = get(addresses[1], "/adoption.json").await;
    assert_eq!(status, 503);
}
