//! `cargo xtask setup`: install what is missing, skip what is there.
//!
//! The WebAssembly toolchain is chosen in this order:
//!
//! 1. rustup's `wasm32-unknown-unknown` target, when it is installed or
//!    `rustup target add` can fetch it (an ordinary developer machine);
//! 2. otherwise Debian's `rustc-web` + `rust-web-src` + `lld`, building the
//!    standard library from source with `-Zbuild-std` (machines where rustup
//!    cannot download targets). A marker file remembers that rustup could not
//!    fetch the target so later runs do not ask again.
//!
//! `wasm-bindgen-cli` is installed at exactly the version of the `wasm-bindgen`
//! crate in `Cargo.lock`, because the two must agree byte for byte on the
//! custom section format.

use crate::util::{self, have, output, root, run, step};
use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::process::Command;

/// What the wasm build uses on this machine.
#[derive(Debug, Clone)]
pub struct Toolchain {
    /// How to compile Rust for `wasm32-unknown-unknown`.
    pub compiler: WasmCompiler,
    /// The `wasm-bindgen` executable, at the version `Cargo.lock` names.
    pub wasm_bindgen: PathBuf,
}

/// How to compile Rust for `wasm32-unknown-unknown` on this machine.
#[derive(Debug, Clone)]
pub enum WasmCompiler {
    /// rustup's own target.
    Rustup,
    /// Debian's `rustc-web`: a separate compiler and `-Zbuild-std`.
    Debian {
        /// The compiler, `/usr/bin/rustc`.
        rustc: PathBuf,
        /// Its rustdoc.
        rustdoc: PathBuf,
    },
}

/// What the tests need beyond what `run` needs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Run,
    Test,
}

const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Installs everything `run` needs and returns the wasm toolchain to use.
pub fn setup() -> Result<Toolchain> {
    setup_for(Purpose::Run)
}

/// Installs everything for `purpose` and returns the wasm toolchain to use.
pub fn setup_for(purpose: Purpose) -> Result<Toolchain> {
    step("setup: checking what is installed");
    let mut apt = Apt::default();
    let compiler = wasm_toolchain(&mut apt)?;
    if purpose == Purpose::Test {
        if chromium().is_none() {
            apt.want("chromium");
        }
        // A real SMTP sink on loopback for the mail tests.
        // Debian's own python3 (a pyenv or venv python on the PATH would not see it).
        if output(Command::new("/usr/bin/python3").args(["-c", "import aiosmtpd"])).is_none() {
            apt.want("python3-aiosmtpd");
        }
    }
    apt.install()?;
    let wasm_bindgen = wasm_bindgen_cli()?;
    npm_packages(&root().join("web"), true)?;
    if purpose == Purpose::Test {
        // The unmodified automerge-repo client used by the interop tests. Its lock
        // omits cbor-x's optional native helpers (not served here), so `npm ci`
        // would refuse it; `npm install` installs exactly the locked versions.
        npm_packages(&root().join("tests/interop"), false)?;
    }
    eprintln!("    setup complete (wasm compiler: {})", match &compiler {
        WasmCompiler::Rustup => "rustup target".to_string(),
        WasmCompiler::Debian { rustc, .. } => format!("{} with -Zbuild-std", rustc.display()),
    });
    Ok(Toolchain { compiler, wasm_bindgen })
}

/// The Chromium to drive in browser tests: `$FOLIO_CHROMIUM` or Debian's.
pub fn chromium() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("FOLIO_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"].into_iter().map(PathBuf::from).find(|p| p.is_file())
}

fn wasm_toolchain(apt: &mut Apt) -> Result<WasmCompiler> {
    // `FOLIO_WASM_TOOLCHAIN=debian` forces the fallback (to test it where rustup works).
    let forced = std::env::var("FOLIO_WASM_TOOLCHAIN").unwrap_or_default();
    if forced == "debian" {
        return Ok(debian(apt));
    }
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == WASM_TARGET) {
        return Ok(WasmCompiler::Rustup);
    }
    let marker = root().join("target-wasm/.rustup-target-unavailable");
    if have("rustup") && !marker.exists() {
        eprintln!("    asking rustup for the {WASM_TARGET} target");
        let ok = Command::new("rustup").args(["target", "add", WASM_TARGET]).status().map(|s| s.success()).unwrap_or(false);
        if ok {
            return Ok(WasmCompiler::Rustup);
        }
        eprintln!("    rustup cannot fetch {WASM_TARGET} here; falling back to Debian's rustc-web");
        std::fs::create_dir_all(marker.parent().unwrap())?;
        std::fs::write(&marker, "rustup target add wasm32-unknown-unknown failed; delete this file to try again\n")?;
    }
    Ok(debian(apt))
}

fn debian(apt: &mut Apt) -> WasmCompiler {
    for (pkg, file) in [("rustc-web", "/usr/bin/rustc"), ("rust-web-src", "/usr/lib/rustlib/src/rust/library/Cargo.toml"), ("lld", "/usr/bin/wasm-ld")] {
        if !std::path::Path::new(file).exists() {
            apt.want(pkg);
        }
    }
    WasmCompiler::Debian { rustc: "/usr/bin/rustc".into(), rustdoc: "/usr/bin/rustdoc".into() }
}

/// Debian packages to install in one `apt-get` call.
#[derive(Default)]
struct Apt {
    packages: Vec<&'static str>,
}

impl Apt {
    fn want(&mut self, pkg: &'static str) {
        if !self.packages.contains(&pkg) {
            self.packages.push(pkg);
        }
    }

    fn install(&self) -> Result<()> {
        if self.packages.is_empty() {
            return Ok(());
        }
        let list = self.packages.join(" ");
        if !have("apt-get") {
            bail!("missing system packages ({list}) and no apt-get here: install their equivalents and run again");
        }
        step(&format!("setup: installing Debian packages: {list}"));
        let root_user = output(Command::new("id").arg("-u")).map(|s| s.trim() == "0").unwrap_or(false);
        let prefix: Vec<&str> = if root_user {
            vec![]
        } else if have("sudo") {
            vec!["sudo"]
        } else {
            bail!("missing system packages ({list}); run `apt-get install {list}` as root, then run again");
        };
        let apt = |args: &[&str]| {
            let mut all: Vec<&str> = prefix.clone();
            all.push("apt-get");
            all.extend_from_slice(args);
            let mut cmd = Command::new(all[0]);
            cmd.args(&all[1..]).env("DEBIAN_FRONTEND", "noninteractive");
            cmd
        };
        run(&mut apt(&["update", "-qq"]))?;
        let mut args = vec!["install", "-y", "-qq", "--no-install-recommends"];
        args.extend(self.packages.iter().copied());
        run(&mut apt(&args))
    }
}

/// The `wasm-bindgen` version pinned in `Cargo.lock`.
pub fn locked_wasm_bindgen_version() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).context("reading Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\""
            && let Some(v) = lines.next().and_then(|l| l.trim().strip_prefix("version = \""))
        {
            return Ok(v.trim_end_matches('"').to_string());
        }
    }
    bail!("no wasm-bindgen in Cargo.lock")
}

/// Finds `wasm-bindgen` at the locked version (on the PATH or in cargo's bin
/// directory), installing it into cargo's bin directory when neither has it.
fn wasm_bindgen_cli() -> Result<PathBuf> {
    let want = locked_wasm_bindgen_version()?;
    let cargo_bin = cargo_home().join("bin/wasm-bindgen");
    let matches = |exe: &std::path::Path| {
        output(Command::new(exe).arg("--version"))
            .is_some_and(|v| v.split_whitespace().nth(1) == Some(want.as_str()))
    };
    for candidate in [PathBuf::from("wasm-bindgen"), cargo_bin.clone()] {
        if matches(&candidate) {
            return Ok(candidate);
        }
    }
    step(&format!("setup: installing wasm-bindgen-cli {want} (matches Cargo.lock; a few minutes)"));
    // Not `--locked`: the CLI's own lock file names a version the registry no longer serves.
    run(util::cargo().args(["install", "wasm-bindgen-cli", "--version", &want]))?;
    if !matches(&cargo_bin) {
        bail!("installed wasm-bindgen-cli {want} but {} does not report it", cargo_bin.display());
    }
    Ok(cargo_bin)
}

fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo"))
}

fn npm_packages(dir: &std::path::Path, ci: bool) -> Result<()> {
    let stamp = dir.join("node_modules/.package-lock.json");
    let lock = dir.join("package-lock.json");
    let fresh = match (std::fs::metadata(&stamp), std::fs::metadata(&lock)) {
        (Ok(s), Ok(l)) => s.modified()? >= l.modified()?,
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    if !have("npm") {
        bail!("npm is missing: install Node.js 20.19 or newer with npm, then run again");
    }
    step(&format!("setup: installing npm packages in {}", dir.display()));
    let mut cmd = Command::new("npm");
    cmd.args([if ci { "ci" } else { "install" }, "--no-audit", "--no-fund", "--loglevel=error"]).current_dir(dir);
    run(&mut cmd)
}
