//! Earlier petitions like a proposal, for the officer deciding on it: refusals and petitions of
//! the last `repeat_years` years (opened, or certified, in that time), ranked by how alike their
//! titles and questions are (`petition_core::proposal::alike`). The ground of repetition stays
//! the officer's judgement; this makes sure they see what it could be about.

use petition_core::proposal::alike::most_alike;
use petition_core::proposal::views::Alike;
use petition_core::proposal::Ground;
use petition_tlog::entry::Outcome;
use sqlx::{AnyConnection, Row};

use crate::error::StoreError;
use crate::proposals::stored::{ProposalPolicy, Stored};
use crate::time::{day_label, instant};

/// Which table a candidate comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Refused,
    Petition,
}

pub(crate) async fn earlier_alike(
    conn: &mut AnyConnection,
    p: &Stored,
    policy: &ProposalPolicy,
    now: i64,
) -> Result<Vec<Alike>, StoreError> {
    let since =
        instant(now).checked_sub_months(chrono::Months::new(12 * policy.repeat_years)).map_or(0, |t| t.timestamp());
    let refused = sqlx::query(
        "SELECT p.id, p.title, p.question, a.name, p.decided_at, p.refused_ground FROM proposals p
         JOIN areas a ON a.code = p.area_code WHERE p.stage = 'refused' AND p.decided_at >= $1 AND p.id <> $2",
    )
    .bind(since)
    .bind(p.id)
    .fetch_all(&mut *conn)
    .await?;
    let petitions = sqlx::query(
        "SELECT p.id, p.title, COALESCE(p.question, ''), a.name, p.opens_at, p.closes_at, p.certified_at,
           p.certified_outcome FROM petitions p JOIN areas a ON a.code = p.area_code
         WHERE p.opens_at >= $1 OR p.certified_at >= $1",
    )
    .bind(since)
    .fetch_all(&mut *conn)
    .await?;
    let mut found = Vec::new();
    for r in refused {
        let id: i64 = r.try_get(0)?;
        let code: String = r.try_get(5)?;
        let ground =
            Ground::parse(&code).ok_or_else(|| StoreError::Corrupt(format!("proposal {id}'s ground {code:?}")))?;
        let what =
            format!("Refused on {}: {}", day_label(instant(r.try_get(4)?)), ground.describe(policy.repeat_years));
        found.push(((Kind::Refused, id), (r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, what)));
    }
    for r in petitions {
        let id: i64 = r.try_get(0)?;
        let certified: Option<i64> = r.try_get(6)?;
        let outcome: Option<String> = r.try_get(7)?;
        let closes: i64 = r.try_get(5)?;
        let what = match (certified, outcome.as_deref().and_then(Outcome::parse)) {
            (Some(at), Some(Outcome::Reached)) => {
                format!("Certified on {}: it reached its trigger, so a referendum follows", day_label(instant(at)))
            }
            (Some(at), _) => format!("Certified on {}: it did not reach its trigger", day_label(instant(at))),
            (None, _) if closes > now => {
                format!("Open for signatures since {}", day_label(instant(r.try_get(4)?)))
            }
            (None, _) => format!("Closed on {}, not yet certified", day_label(instant(closes))),
        };
        found.push(((Kind::Petition, id), (r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, what)));
    }
    let texts: Vec<((Kind, i64), String)> =
        found.iter().map(|(k, (title, question, ..))| (*k, format!("{title} {question}"))).collect();
    let mine = format!("{} {}", p.title, p.question);
    Ok(most_alike(&mine, &texts)
        .into_iter()
        .filter_map(|(key, percent)| {
            let (_, (title, question, area, what)): &(_, (String, String, String, String)) =
                found.iter().find(|(k, _)| *k == key)?;
            Some(Alike {
                href: match key {
                    (Kind::Refused, id) => format!("/officer/proposals/{id}"),
                    (Kind::Petition, id) => format!("/officer/petitions/{id}"),
                },
                title: title.clone(),
                question: question.clone(),
                area: area.clone(),
                what: what.clone(),
                percent,
            })
        })
        .collect())
}
