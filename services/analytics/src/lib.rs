//! Analytics: facts and KPIs from events.
