//! Business time: working days, holidays, adjusted working days, business hours and SLA clocks; pure.
