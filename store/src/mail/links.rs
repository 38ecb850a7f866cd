//! Where the links in emails point, how long a confirmation link works, and who gets the
//! notices meant for electoral officers.

#[derive(Clone, Debug)]
pub struct Mailing {
    pub base_url: String,
    /// Who gets the electoral office's notices unless an admin saved others (see
    /// [`crate::settings::notice_list`]).
    pub officer_emails: Vec<String>,
    /// Seconds a confirmation link works after it is sent (see
    /// [`crate::signatures::attempts::DEFAULT_ATTEMPT_LIFETIME`]).
    pub attempt_lifetime: i64,
}

impl Mailing {
    fn link(&self, path: &str) -> String {
        format!("{}/{path}", self.base_url.trim_end_matches('/'))
    }

    pub(crate) fn confirm(&self, token: &str) -> String {
        self.link(&format!("confirm/{token}"))
    }

    pub(crate) fn withdraw(&self, token: &str) -> String {
        self.link(&format!("withdraw/{token}"))
    }

    pub(crate) fn petition(&self, id: i64) -> String {
        self.link(&format!("petitions/{id}"))
    }

    /// The public certificate of a petition's result.
    pub(crate) fn certificate(&self, id: i64) -> String {
        self.link(&format!("petitions/{id}/certificate"))
    }

    pub(crate) fn home(&self) -> String {
        self.link("")
    }

    /// The petitioner's link to a proposal.
    pub(crate) fn proposal(&self, token: &str) -> String {
        self.link(&format!("proposals/{token}"))
    }

    /// The link a petitioner shares with sponsors.
    pub(crate) fn sponsor(&self, code: &str) -> String {
        self.link(&format!("sponsor/{code}"))
    }

    pub(crate) fn sponsor_confirm(&self, token: &str) -> String {
        self.link(&format!("sponsor/confirm/{token}"))
    }

    pub(crate) fn start(&self) -> String {
        self.link("start")
    }

    pub(crate) fn refused(&self) -> String {
        self.link("refused-petitions")
    }

    pub(crate) fn officer_petition(&self, id: i64) -> String {
        self.link(&format!("officer/petitions/{id}"))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn links_have_one_slash_whatever_the_setting() {
        for base in ["https://petitions.example.gov.uk", "https://petitions.example.gov.uk/"] {
            let m = super::Mailing { base_url: base.into(), officer_emails: Vec::new(), attempt_lifetime: 3600 };
            assert_eq!(m.confirm("abc"), "https://petitions.example.gov.uk/confirm/abc");
            assert_eq!(m.withdraw("abc"), "https://petitions.example.gov.uk/withdraw/abc");
            assert_eq!(m.petition(7), "https://petitions.example.gov.uk/petitions/7");
            assert_eq!(m.certificate(7), "https://petitions.example.gov.uk/petitions/7/certificate");
            assert_eq!(m.proposal("abc"), "https://petitions.example.gov.uk/proposals/abc");
            assert_eq!(m.sponsor("xyz"), "https://petitions.example.gov.uk/sponsor/xyz");
            assert_eq!(m.refused(), "https://petitions.example.gov.uk/refused-petitions");
            assert_eq!(m.sponsor_confirm("abc"), "https://petitions.example.gov.uk/sponsor/confirm/abc");
            assert_eq!(m.officer_petition(7), "https://petitions.example.gov.uk/officer/petitions/7");
        }
    }
}
