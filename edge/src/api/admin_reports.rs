//! `GET /api/v1/admin/reports` (JSON) and `GET /api/v1/admin/reports.csv?table=` (one table as a
//! CSV file): the owner's reports over a range of their days (`crate::reports`).

use super::error::ApiError;
use super::http::{HttpRequest, HttpResponse};
use super::ApiDeps;
use crate::actions::network::Network;
use crate::reports::{build, Days};
use crate::store::reports::ReportStore;
use shared::api::ErrorCode;
use shared::report::Report;

/// The report the query asks for: `from`, `to` (`YYYY-MM-DD`, included), `offset_minutes`.
async fn read<D: ApiDeps>(edge: &D, req: &HttpRequest, now_ms: u64) -> Result<Report, ApiError> {
    let param = |name: &str| req.query_param(name).unwrap_or_default();
    let days = Days::parse(&param("from"), &param("to"), &param("offset_minutes"))
        .map_err(|(field, message)| ApiError::invalid_field(field, message))?;
    let clock = edge.actions().network;
    let started = clock.now_ms();
    let rows = edge.store().report_rows(&days.range(now_ms)).await?;
    let query_ms = (clock.now_ms() - started).max(0.0) as u64;
    Ok(build(rows, days, query_ms))
}

/// `GET /api/v1/admin/reports?from=&to=&offset_minutes=`.
pub async fn report<D: ApiDeps>(edge: &D, req: &HttpRequest, now_ms: u64) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::json(200, &read(edge, req, now_ms).await?))
}

/// `GET /api/v1/admin/reports.csv?table=days|reasons|actions|unanswered&from=&to=&offset_minutes=`.
pub async fn csv<D: ApiDeps>(edge: &D, req: &HttpRequest, now_ms: u64) -> Result<HttpResponse, ApiError> {
    let table = req.query_param("table").unwrap_or_default();
    if !["days", "reasons", "actions", "unanswered"].contains(&table.as_str()) {
        return Err(ApiError::invalid_field("table", "must be days, reasons, actions or unanswered"));
    }
    let report = read(edge, req, now_ms).await?;
    let body = report.table_csv(&table).ok_or_else(|| ApiError::new(ErrorCode::Internal, "no such table"))?;
    let mut response = HttpResponse::empty(
        200,
        vec![
            ("content-type".into(), "text/csv; charset=utf-8".into()),
            ("cache-control".into(), "no-store".into()),
            // The table's name is one of four words and the dates are YYYY-MM-DD: safe as written.
            (
                "content-disposition".into(),
                format!("attachment; filename=\"switchboard-{table}-{}-{}.csv\"", report.from, report.to),
            ),
        ],
    );
    response.body = body;
    Ok(response)
}
