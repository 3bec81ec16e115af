//! The served target's rules: the hand-written errata, each with its evidence ([`errata`]),
//! and the rules derived from the data dictionary, the codebooks and the recorded server
//! versions ([`served`]).
pub mod errata;
pub mod served;
