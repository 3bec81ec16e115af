//! The same client for programs without an async runtime: each call runs the asynchronous
//! [`Client`](crate::Client) on a runtime of its own (one thread).
use bluebutton::api::ExplanationOfBenefitSearch;
use bluebutton::resources::Patient;

use crate::client::{Authorization, Config, Page, SearchPages, UserInfo};
use crate::token::{Token, TokenStore};
use crate::Error;

/// A blocking [`Client`](crate::Client). Do not use it inside an async runtime.
#[derive(Debug)]
pub struct Client {
    client: crate::Client,
    runtime: tokio::runtime::Runtime,
}

fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Config(format!("cannot start the client's runtime: {e}")))
}

impl Client {
    /// A client for `config`, not signed in.
    ///
    /// # Errors
    ///
    /// As [`crate::Client::new`].
    pub fn new(config: Config) -> Result<Self, Error> {
        Ok(Client { client: crate::Client::new(config)?, runtime: runtime()? })
    }

    /// A client with a token and where to save renewed ones.
    ///
    /// # Errors
    ///
    /// As [`crate::Client::with_token`].
    pub fn with_token(config: Config, token: Token, store: Option<Box<dyn TokenStore>>) -> Result<Self, Error> {
        Ok(Client { client: crate::Client::with_token(config, token, store)?, runtime: runtime()? })
    }

    /// The asynchronous client underneath.
    pub fn inner(&self) -> &crate::Client {
        &self.client
    }

    /// The current token, if signed in.
    pub fn token(&self) -> Option<Token> {
        self.runtime.block_on(self.client.token())
    }

    /// As [`crate::Client::authorize_url`].
    ///
    /// # Errors
    ///
    /// As [`crate::Client::authorize_url`].
    pub fn authorize_url(&self) -> Result<Authorization, Error> {
        self.client.authorize_url()
    }

    /// As [`crate::Client::exchange_code`].
    ///
    /// # Errors
    ///
    /// As [`crate::Client::exchange_code`].
    pub fn exchange_code(&self, code: &str, state: &str) -> Result<Token, Error> {
        self.runtime.block_on(self.client.exchange_code(code, state))
    }

    /// As [`crate::Client::refresh`].
    ///
    /// # Errors
    ///
    /// As [`crate::Client::refresh`].
    pub fn refresh(&self) -> Result<Token, Error> {
        self.runtime.block_on(self.client.refresh())
    }

    /// As [`crate::Client::userinfo`].
    ///
    /// # Errors
    ///
    /// As [`crate::Client::userinfo`].
    pub fn userinfo(&self) -> Result<UserInfo, Error> {
        self.runtime.block_on(self.client.userinfo())
    }

    /// As [`crate::Client::patient`].
    ///
    /// # Errors
    ///
    /// As [`crate::Client::patient`].
    pub fn patient(&self, id: &str) -> Result<Patient<'static>, Error> {
        self.runtime.block_on(self.client.patient(id))
    }

    /// As [`crate::Client::coverage`]: an iterator over the pages.
    ///
    /// # Errors
    ///
    /// As [`crate::Client::coverage`].
    pub fn coverage(&self, patient_id: &str) -> Result<Pages<'_>, Error> {
        Ok(Pages { pages: self.client.coverage(patient_id)?, runtime: &self.runtime })
    }

    /// As [`crate::Client::explanation_of_benefit`]: an iterator over the pages.
    ///
    /// # Errors
    ///
    /// As [`crate::Client::explanation_of_benefit`].
    pub fn explanation_of_benefit(&self, search: &ExplanationOfBenefitSearch) -> Result<Pages<'_>, Error> {
        Ok(Pages { pages: self.client.explanation_of_benefit(search)?, runtime: &self.runtime })
    }
}

/// The pages of a search, fetched as the iterator is advanced (one page held at a time).
#[derive(Debug)]
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct Pages<'c> {
    pages: SearchPages,
    runtime: &'c tokio::runtime::Runtime,
}

impl Iterator for Pages<'_> {
    type Item = Result<Page, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.runtime.block_on(self.pages.next_page())
    }
}
