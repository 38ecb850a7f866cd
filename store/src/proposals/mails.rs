//! What petitioners and sponsors are told by email. Each is queued in the transaction that makes
//! the change it reports.

use crate::mail::links::Mailing;
use crate::mail::outbox::Mail;

pub(crate) fn confirm_petitioner_mail(links: &Mailing, title: &str, to: &str, token: &str) -> Mail {
    Mail {
        recipient: to.to_string(),
        subject: format!("Confirm your email to start your petition: {title}"),
        body: format!(
            "You asked to start the petition \"{title}\".\n\nTo confirm your email address, open this link and press the Confirm button:\n\n{}\n\nKeep this email: the same link shows how your petition is getting on, lets you ask\nsponsors, and lets you change its texts until it goes to the electoral office. Do not share it.\n\nIf you did not ask to start a petition, ignore this email: nothing will happen.\n",
            links.proposal(token)
        ),
    }
}

pub(crate) fn ask_sponsors_mail(links: &Mailing, title: &str, to: &str, token: &str, code: &str, needed: u32) -> Mail {
    Mail {
        recipient: to.to_string(),
        subject: format!("Your petition needs {needed} sponsors: {title}"),
        body: format!(
            "Your email address is confirmed.\n\nBefore the electoral office looks at \"{title}\", {needed} electors of its area must sponsor it.\nShare this link with them:\n\n{}\n\nFollow your petition, and change it until it goes to the office, here (keep this link to\nyourself):\n\n{}\n",
            links.sponsor(code),
            links.proposal(token)
        ),
    }
}

pub(crate) fn with_office_mail(links: &Mailing, title: &str, to: &str, target: &str) -> Mail {
    Mail {
        recipient: to.to_string(),
        subject: format!("Your petition is with the electoral office: {title}"),
        body: format!(
            "\"{title}\" is now with the electoral office. They aim to decide by {target}: they will\nopen it for signatures, ask you for changes, or explain why it cannot go ahead.\n\nFollow it with the link in the email confirming your address. The site: {}\n",
            links.home()
        ),
    }
}

pub(crate) fn returned_mail(links: &Mailing, title: &str, to: &str, note: &str) -> Mail {
    Mail {
        recipient: to.to_string(),
        subject: format!("Changes needed to your petition: {title}"),
        body: format!(
            "The electoral office has looked at \"{title}\" and asks for changes before it can open:\n\n{note}\n\nUse the link in the email confirming your address to change it and send it back.\nThe site: {}\n",
            links.home()
        ),
    }
}

pub(crate) fn refused_mail(links: &Mailing, title: &str, to: &str, ground: &str, explanation: &str) -> Mail {
    Mail {
        recipient: to.to_string(),
        subject: format!("Your petition cannot go ahead: {title}"),
        body: format!(
            "The electoral office has refused \"{title}\".\n\nThe ground: {ground}.\n\nTheir explanation:\n\n{explanation}\n\nRefused petitions are listed publicly with the ground and this explanation:\n{}\n",
            links.refused()
        ),
    }
}

/// What became of someone carried over as a first signature, for their email.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Carry {
    Signed,
    /// The texts changed after they sponsored it.
    TextsChanged,
    /// Their details no longer make a signature (an address that no longer serves, say).
    NotSigned,
}

pub(crate) fn opened_mail(links: &Mailing, title: &str, to: &str, id: i64, sponsor: bool, carry: Carry) -> Mail {
    let you = match (carry, sponsor) {
        (Carry::Signed, true) => "You sponsored it, so your sponsorship is now one of its first signatures (a separate email\ntells you whether it counts).",
        (Carry::Signed, false) => "You started it, so you are one of its first signatures (a separate email tells you whether\nit counts).",
        (Carry::TextsChanged, _) => "Its texts changed after you sponsored it, so we have not signed it for you: read it as it\nis now, and sign it if you support it.",
        (Carry::NotSigned, _) => "We could not add your signature from the details you gave (your address may no longer be\nin use): please sign it yourself from the link below.",
    };
    Mail {
        recipient: to.to_string(),
        subject: format!("Open for signatures: {title}"),
        body: format!(
            "The electoral office has opened \"{title}\" for signatures.\n\n{you}\n\nShare the petition: {}\n",
            links.petition(id)
        ),
    }
}

pub(crate) fn confirm_sponsor_mail(links: &Mailing, title: &str, to: &str, token: &str) -> Mail {
    Mail {
        recipient: to.to_string(),
        subject: format!("Confirm that you sponsor: {title}"),
        body: format!(
            "You asked to sponsor the petition \"{title}\".\n\nTo confirm, open this link and press the Confirm button:\n\n{}\n\nWhen the petition opens, your sponsorship becomes one of its first signatures.\n\nIf you did not ask to sponsor it, ignore this email: nothing will happen.\n",
            links.sponsor_confirm(token)
        ),
    }
}

pub(crate) fn texts_changed_mail(links: &Mailing, title: &str, to: &str, token: &str) -> Mail {
    Mail {
        recipient: to.to_string(),
        subject: format!("The petition you sponsored has changed: {title}"),
        body: format!(
            "The petitioner has changed the petition you sponsored, \"{title}\", and it is now with the\nelectoral office.\n\nWhen it opens, sponsors become its first signatures, but only of the texts they backed. To\nback it as it is now, open this link, read it, and press the Confirm button:\n\n{}\n\nIf you do nothing, your sponsorship still counted towards sending it to the office, and you can\nsign the petition yourself once it opens.\n",
            links.sponsor_confirm(token)
        ),
    }
}

/// What sponsors are told as the proposal they back moves on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SponsorNews<'a> {
    /// It has its sponsors and the office aims to decide by `target`.
    WithOffice {
        target: &'a str,
    },
    /// The office asked the petitioner for changes.
    Returned {
        note: &'a str,
    },
    Refused {
        ground: &'a str,
        explanation: &'a str,
    },
    /// The petitioner withdrew it.
    Withdrawn,
    /// It ran out of time.
    Lapsed,
}

pub(crate) fn sponsor_news_mail(links: &Mailing, title: &str, to: &str, news: SponsorNews<'_>) -> Mail {
    let (subject, body) = match news {
        SponsorNews::WithOffice { target } => (
            format!("The petition you sponsored is with the electoral office: {title}"),
            format!(
                "\"{title}\" has all the sponsors it needs and is now with the electoral office. They aim to\ndecide by {target}. If they open it, your sponsorship becomes one of its first signatures.\n"
            ),
        ),
        SponsorNews::Returned { note } => (
            format!("The petition you sponsored needs changes: {title}"),
            format!(
                "The electoral office has asked the petitioner to change \"{title}\" before it can open:\n\n{note}\n\nIf the texts change, you will be asked whether you back the new ones.\n"
            ),
        ),
        SponsorNews::Refused { ground, explanation } => (
            format!("The petition you sponsored cannot go ahead: {title}"),
            format!(
                "The electoral office has refused \"{title}\".\n\nThe ground: {ground}.\n\nTheir explanation:\n\n{explanation}\n\nRefused petitions are listed publicly: {}\n",
                links.refused()
            ),
        ),
        SponsorNews::Withdrawn => (
            format!("The petition you sponsored was withdrawn: {title}"),
            format!("The resident who started \"{title}\" has withdrawn it. Nothing more will happen to it.\n"),
        ),
        SponsorNews::Lapsed => (
            format!("The petition you sponsored has lapsed: {title}"),
            format!("\"{title}\" ran out of time before it could go to the electoral office, and has lapsed.\n"),
        ),
    };
    Mail { recipient: to.to_string(), subject, body: format!("{body}\nThe site: {}\n", links.home()) }
}

/// The petitioner's note that their proposal has ended: withdrawn by them, or lapsed after
/// `days` days without sponsors or changes.
pub(crate) fn ended_mail(links: &Mailing, title: &str, to: &str, lapsed_after: Option<u32>) -> Mail {
    let (subject, what) = match lapsed_after {
        None => (
            format!("You have withdrawn your petition: {title}"),
            format!("You have withdrawn \"{title}\". Its sponsors have been told."),
        ),
        Some(days) => (
            format!("Your petition has lapsed: {title}"),
            format!(
                "\"{title}\" has lapsed: a petition has {days} days to find its sponsors, and {days} days to come\nback to the electoral office after it is sent back for changes. Its sponsors have been told."
            ),
        ),
    };
    Mail {
        recipient: to.to_string(),
        subject,
        body: format!(
            "{what}\n\nYou can start a new petition at any time: {}\n\nWhat you and your sponsors gave us is deleted in 30 days.\n",
            links.start()
        ),
    }
}
