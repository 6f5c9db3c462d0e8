package dev.tally.platform;

import dev.tally.aggregate.AggregatePage;
import dev.tally.aggregate.AggregateRow;
import dev.tally.ingest.BatchResult;
import dev.tally.ingest.EventResult;
import dev.tally.inspect.EventView;
import dev.tally.inspect.RawEventPage;
import dev.tally.inspect.RawEventView;
import dev.tally.mapping.MappingDefinition;
import dev.tally.mapping.MappingPreset;
import dev.tally.mapping.MappingPresetList;
import dev.tally.mapping.MappingVersion;
import dev.tally.mapping.MappingVersions;
import dev.tally.normalize.CanonicalEvent;
import dev.tally.normalize.FieldError;
import dev.tally.replay.ReplayRequest;
import dev.tally.replay.ReplayView;
import dev.tally.sdk.SdkReply;
import dev.tally.security.ApiKey;
import dev.tally.security.ApiKeyList;
import dev.tally.security.CreatedKey;
import dev.tally.security.KeyRequest;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Every type Jackson reads or writes reflectively, kept for the native executable. Quarkus registers a
 * resource method's declared return type by itself, but not what hides behind {@code Response} or
 * {@code ObjectMapper.writeValueAsString} (results, problems, rejection reasons), and a record missing here
 * serializes as {@code {}} in the native build only. One list, so a new API body is added in one place;
 * .ci/run checks the generated native configuration for these entries.
 */
@RegisterForReflection(targets = {
    AggregatePage.class,
    AggregateRow.class,
    ApiKey.class,
    ApiKeyList.class,
    BatchResult.class,
    CanonicalEvent.class,
    CreatedKey.class,
    EventResult.class,
    EventView.class,
    FieldError.class,
    KeyRequest.class,
    MappingDefinition.class,
    MappingPreset.class,
    MappingPresetList.class,
    MappingVersion.class,
    MappingVersions.class,
    Problem.class,
    RawEventPage.class,
    RawEventView.class,
    ReplayRequest.class,
    ReplayView.class,
    SdkReply.class,
})
public final class NativeReflection {

  private NativeReflection() {}
}
