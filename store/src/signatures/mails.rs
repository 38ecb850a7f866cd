//! What signers are told by email. Every email about a signature is queued in the transaction
//! that makes the change it reports.

use crate::mail::links::Mailing;
use crate::mail::outbox::Mail;

/// Asks the signer to confirm. The same words whether or not the register knew them: whoever
/// typed the request may not own this mailbox, and must not learn from it whether a named person
/// is registered at an address. The signer learns that once they have confirmed.
pub(crate) fn confirmation_mail(links: &Mailing, title: &str, to: &str, token: &str) -> Mail {
    Mail {
        recipient: to.to_string(),
        subject: format!("Confirm your signature: {title}"),
        body: format!(
            "You asked to sign the petition \"{title}\".\n\nTo confirm your signature, open this link and press the Confirm button:\n\n{}\n\nOnce you confirm, we tell you whether your signature counts straight away or an electoral\nofficer needs to check it against the register first.\n\nIf you did not ask to sign, ignore this email: nothing will be counted.\n",
            links.confirm(token)
        ),
    }
}

/// Tells the email on file of a repeat attempt. It carries no new link: a repeat must not change
/// what the signer already holds (their withdrawal link keeps working).
pub(crate) fn already_signed_mail(links: &Mailing, title: &str, id: i64, to: &str) -> Mail {
    Mail {
        recipient: to.to_string(),
        subject: format!("You have already signed: {title}"),
        body: format!(
            "Someone asked to sign the petition \"{title}\" with your details.\n\nYour signature was already recorded, so nothing has changed and you do not need to do anything.\nThe petition: {}\n\nIf you want to withdraw your signature while the petition is open, use the link in the email\nwe sent when you confirmed it.\n",
            links.petition(id),
        ),
    }
}

/// What a confirmed signature now is, for the signer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Thanks {
    Counted,
    ForReview,
}

pub(crate) fn counted_mail(
    links: &Mailing,
    title: &str,
    id: i64,
    to: &str,
    withdraw_token: &str,
    thanks: Thanks,
) -> Mail {
    let state = match thanks {
        Thanks::Counted => "Your signature is confirmed and counted.",
        Thanks::ForReview => {
            "Your email address is confirmed. An electoral officer will check your signature against the\nregister; it counts once they have."
        }
    };
    Mail {
        recipient: to.to_string(),
        subject: format!("Thank you for signing: {title}"),
        body: format!(
            "{state}\n\nThe petition: {}\n\nIf you change your mind while the petition is open, you can withdraw your signature here:\n\n{}\n",
            links.petition(id),
            links.withdraw(withdraw_token)
        ),
    }
}

/// Tells an attempt's email that someone else confirmed a signature as the same elector first,
/// so theirs was not counted. It says no more than the person who typed the request already
/// knew (the name and address), and points a wronged elector to the electoral office, which sees
/// the same conflict in its review queue.
pub(crate) fn elector_has_signed_mail(links: &Mailing, office: Option<&str>, title: &str, id: i64, to: &str) -> Mail {
    let office = match office {
        Some(e) => format!("the electoral office ({e})"),
        None => "the council's electoral office".to_string(),
    };
    Mail {
        recipient: to.to_string(),
        subject: format!("Your signature was not counted: {title}"),
        body: format!(
            "You asked to sign the petition \"{title}\".\n\nSomeone has already confirmed a signature with the same name at the same address, so yours\nwas not counted: each elector can sign once. Your confirmation link no longer works.\n\nIf that was not you, contact {office}. They have been told that two people\nasked to sign as one elector, and will look into it.\n\nThe petition: {}\n",
            links.petition(id),
        ),
    }
}
