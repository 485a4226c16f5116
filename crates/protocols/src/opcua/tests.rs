// SPDX-License-Identifier: Apache-2.0
//! Unit tests with annotated bytes cut from corpus captures.
