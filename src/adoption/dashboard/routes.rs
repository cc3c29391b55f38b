//! `GET /adoption` and `GET /adoption.json` (features `dashboard` and `http`).

use std::sync::Arc;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::Dashboard;

/// Where the routes read the dashboard from, at each request: the node's monitor, a records
/// database, or a snapshot the node keeps up to date. Called on a blocking thread.
pub trait DashboardSource: Send + Sync + 'static {
    /// The dashboard now, or why there is none.
    fn dashboard(&self) -> Result<Dashboard, String>;
}

impl<F> DashboardSource for F
where
    F: Fn() -> Result<Dashboard, String> + Send + Sync + 'static,
{
    fn dashboard(&self) -> Result<Dashboard, String> {
        self()
    }
}

/// The routes: `GET /adoption`, the page (`text/html`, never cached), and `GET /adoption.json`,
/// the same data as JSON. Merge them into the node's router, outside any base path, as
/// `/metrics` is. When the source fails, both answer 503 with the reason.
pub fn routes(source: impl DashboardSource) -> axum::Router {
    let source: Arc<dyn DashboardSource> = Arc::new(source);
    let page = source.clone();
    axum::Router::new()
        .route(
            "/adoption",
            axum::routing::get(move || {
                let source = page.clone();
                async move { respond(source, Format::Html).await }
            }),
        )
        .route(
            "/adoption.json",
            axum::routing::get(move || {
                let source = source.clone();
                async move { respond(source, Format::Json).await }
            }),
        )
}

#[derive(Clone, Copy)]
enum Format {
    Html,
    Json,
}

async fn respond(source: Arc<dyn DashboardSource>, format: Format) -> Response {
    let rendered = tokio::task::spawn_blocking(move || {
        let dashboard = source.dashboard()?;
        Ok::<_, String>(match format {
            Format::Html => dashboard.to_html(),
            Format::Json => {
                serde_json::to_string_pretty(&dashboard).map_err(|error| error.to_string())?
            }
        })
    })
    .await;
    match rendered {
        Ok(Ok(body)) => {
            let content_type = match format {
                Format::Html => "text/html; charset=utf-8",
                Format::Json => "application/json",
            };
            (
                [
                    (header::CONTENT_TYPE, content_type),
                    (header::CACHE_CONTROL, "no-store"),
                ],
                body,
            )
                .into_response()
        }
        Ok(Err(reason)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("no dashboard: {reason}\n"),
        )
            .into_response(),
        Err(error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the dashboard failed: {error}\n"),
        )
            .into_response(),
    }
}
