//! Generated prost/tonic code for proto/ and nothing else.
