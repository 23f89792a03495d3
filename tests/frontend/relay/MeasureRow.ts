// A measure as a row: refetchable on its own (Relay refetches it through node(id:)).
import { graphql } from "relay-runtime";

export const measureRow = graphql`
  fragment MeasureRow_measure on Measure
  @refetchable(queryName: "MeasureRowRefetchQuery") {
    id
    name
    quadrant
    partner {
      id
      name
    }
    latestObservations(count: 4) {
      id
      period {
        label
      }
      value
    }
  }
`;
