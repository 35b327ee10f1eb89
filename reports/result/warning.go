package result

// Warning codes: the stable identifier of each of a Report's warnings, kept
// in Report.WarningCodes in the same order as Report.Warnings, so that a CI
// pipeline can match a warning without parsing its sentence (the sentences
// may be reworded; the codes are a public contract like the result's keys).
const (
	WarnInterrupted         = "interrupted"           // the run was stopped early
	WarnNoLatencySource     = "latency_not_measured"  // no latency source for the target
	WarnNoStamp             = "latency_no_stamp"      // no event carried a publish time the source could read
	WarnLatencyOutOfRange   = "latency_out_of_range"  // publish times in the future or over an hour old
	WarnSubscribersFailed   = "subscribers_failed"    // some subscribers never got a stream
	WarnEmbeddedServer      = "embedded_server"       // client and embedded server shared the process
	WarnNoSteadyState       = "no_steady_state"       // the headline figures are empty
	WarnSessionsDropped     = "sessions_dropped"      // streams lost and not regained
	WarnServerSaidStop      = "server_said_stop"      // 204 No Content: stop reconnecting
	WarnProtocolMismatch    = "protocol_mismatch"     // the server would not speak the protocol asked for
	WarnSaturated           = "saturated"             // the load generator (or its host) was the bottleneck
	WarnHeadersHeld         = "headers_held"          // the server held its response headers until its first event
	WarnPublishFailed       = "publish_failed"        // publish requests failed
	WarnPublishNotDelivered = "publish_not_delivered" // no published event reached a subscriber
	WarnPublishPartial      = "publish_partial"       // the delivery ratio counts only part of the events published
	WarnPublishDuplicates   = "publish_duplicates"    // subscribers received events they already had
	WarnPublishUnsettled    = "publish_unsettled"     // events in flight while subscribers joined or left
	WarnPublishIncomplete   = "publish_incomplete"    // events still missing after --publish-drain
	WarnLossNotMeasured     = "loss_not_measured"     // the ids are not a sequence
	WarnIDResets            = "id_resets"             // ids started again from a lower number
	WarnStartedLate         = "started_late"          // a shard started after --start-at
	WarnShardSaturated      = "shard_saturated"       // merged: a shard's load generator was the bottleneck
	WarnShardsMissing       = "shards_missing"        // merged: not every shard's result was given
	WarnShardsApart         = "shards_apart"          // merged: shards started more than a second apart
	WarnShardVersionsDiffer = "shard_versions_differ" // merged: shards ran different ssebench versions
	WarnUnknown             = "unknown"               // a warning from a result written before codes
)

// A Warning is one warning and its stable code, as a part of a run returns
// it before the Report is assembled.
type Warning struct {
	// Code is one of the Warn* constants.
	Code string
	// Message is the warning's sentence.
	Message string
}

// Warn appends a warning with its stable code.
func (r *Report) Warn(code, message string) {
	r.Warnings = append(r.Warnings, message)
	r.WarningCodes = append(r.WarningCodes, code)
}

// WarningCode returns the code of warning i, WarnUnknown for a result
// written before codes were recorded.
func (r *Report) WarningCode(i int) string {
	if len(r.WarningCodes) == len(r.Warnings) && i < len(r.WarningCodes) {
		return r.WarningCodes[i]
	}
	return WarnUnknown
}
