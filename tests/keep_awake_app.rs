//! The desktop app serves through `scimdesk::server::start(engine, addr)` and sets nothing about
//! keep-awake: the engine's default must apply there. In-process like the app, with the system
//! bus pointed at a private bus with a stand-in for logind. A file of its own, because the bus
//! address is the process's environment, which no other test may share.
#![cfg(target_os = "linux")]

mod common;
#[path = "keep_awake/fake_logind.rs"]
mod fake_logind;

use std::time::Duration;

use common::Scim;
use fake_logind::{Bus, FakeLogind};
use scimdesk::keep_awake::DEFAULT_SPAN;
use scimdesk::Engine;

#[test]
fn the_app_s_way_of_serving_keeps_the_machine_awake_by_default() {
    let bus = Bus::start();
    // Before any thread of this test starts: nothing else reads the environment meanwhile.
    std::env::set_var("DBUS_SYSTEM_BUS_ADDRESS", &bus.address);
    let logind = FakeLogind::start(&bus);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open(dir.path()).await.unwrap();
        assert_eq!(engine.keep_awake().span(), DEFAULT_SPAN);
        assert_eq!(DEFAULT_SPAN, Duration::from_secs(120));
        let issued = engine.sources().create("Entra ID", Some("entra")).await.unwrap();
        let server = scimdesk::server::start(engine.clone(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
        let scim = Scim {
            http: reqwest::Client::new(),
            base: format!("http://{}/source/scim/entra/v2", server.local_addr()),
            token: Some(issued.token.expose_secret().to_string()),
        };
        assert_eq!(scim.get("/Users").await.status, reqwest::StatusCode::OK);
        assert_eq!(logind.wait_for_calls(1, Duration::from_secs(5)), 1, "the app's server asked for no lock");
        {
            let calls = logind.calls();
            assert_eq!((calls[0].what.as_str(), calls[0].mode.as_str()), ("idle", "block"));
            assert!(calls[0].held(), "held for the default span, 2 minutes");
        }
        server.stop().await;
    });
}
