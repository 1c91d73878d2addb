//! A real headless Chromium driven over WebDriver (Debian's `chromium` and `chromium-driver`,
//! client: fantoccini). A test asks for a [`Browser`]; when `chromedriver` is not installed the
//! test is skipped with a notice, unless `STREETWISE_REQUIRE_BROWSER` is set (CI sets it after
//! installing Chromium), when it fails.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// A browser session with its own chromedriver process, ended when dropped.
pub struct Browser {
    pub client: Client,
    driver: Child,
    /// Where a failing test's last screenshot goes.
    name: String,
}

fn chromedriver() -> Option<PathBuf> {
    let candidates = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"];
    candidates
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .or_else(|| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|dir| dir.join("chromedriver"))
                    .find(|p| p.exists())
            })
        })
}

impl Browser {
    /// A fresh headless Chromium, or `None` (with a notice) when none is installed.
    pub async fn start(name: &str) -> Option<Browser> {
        let Some(driver_path) = chromedriver() else {
            if std::env::var_os("STREETWISE_REQUIRE_BROWSER").is_some() {
                panic!("chromedriver is required (apt-get install chromium chromium-driver)");
            }
            eprintln!("chromedriver is not installed: skipping the browser test {name}");
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1440,960", "--lang=zh-CN"]
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let mut last = None;
        for _ in 0..100 {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Some(Browser {
                        client,
                        driver,
                        name: name.into(),
                    });
                }
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not start a session: {last:?}");
    }

    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.expect("the page opens");
    }

    /// The input labelled `label` (a `<label for>` whose text contains it).
    pub async fn field(&self, label: &str) -> Element {
        let xpath = format!(
            "//input[@id=//label[contains(normalize-space(.), '{label}')]/@for] | \
             //textarea[@id=//label[contains(normalize-space(.), '{label}')]/@for] | \
             //select[@id=//label[contains(normalize-space(.), '{label}')]/@for]"
        );
        self.wait_for(Locator::XPath(&xpath), label).await
    }

    /// Types `text` into the field labelled `label`.
    pub async fn fill(&self, label: &str, text: &str) {
        let field = self.field(label).await;
        field.clear().await.expect("cleared");
        field.send_keys(text).await.expect("typed");
    }

    /// Clicks the button (or submit input, or link) whose text is `text`.
    pub async fn click(&self, text: &str) {
        let xpath = format!(
            "//button[normalize-space(.)='{text}'] | //input[@type='submit' and @value='{text}'] | \
             //a[normalize-space(.)='{text}']"
        );
        self.wait_for(Locator::XPath(&xpath), text)
            .await
            .click()
            .await
            .expect("clicked");
    }

    /// The page's visible text; empty while a page is being replaced by the next.
    pub async fn text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits (bounded) until the page's text contains `needle`; panics with a screenshot if
    /// it never does.
    pub async fn wait_for_text(&self, needle: &str) {
        for _ in 0..100 {
            if self.text().await.contains(needle) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.fail(&format!("the page never showed {needle:?}"))
            .await;
    }

    async fn wait_for(&self, locator: Locator<'_>, what: &str) -> Element {
        for _ in 0..50 {
            if let Ok(found) = self.client.find(locator).await {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.fail(&format!("no element for {what:?}")).await
    }

    /// Saves a screenshot of the page as `docs/screenshots/<name>.png` when
    /// `STREETWISE_SCREENSHOTS` is set (how the README's pictures are made).
    pub async fn screenshot(&self, name: &str) {
        if std::env::var_os("STREETWISE_SCREENSHOTS").is_none() {
            return;
        }
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots");
        std::fs::create_dir_all(&dir).expect("the screenshots folder");
        let png = self.client.screenshot().await.expect("a screenshot");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("the screenshot is saved");
    }

    /// Fails the test, leaving a screenshot of the page in the temporary directory.
    pub async fn fail(&self, why: &str) -> ! {
        let path = std::env::temp_dir().join(format!("streetwise-browser-{}.png", self.name));
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::write(&path, png);
        }
        let url = self.client.current_url().await.map(|u| u.to_string());
        panic!("{why} (at {url:?}; screenshot {})", path.display());
    }

    /// Ends the session and the driver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
