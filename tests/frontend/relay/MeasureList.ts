// A collaborative's measures, paged forward and backward with @connection.
import { graphql } from "relay-runtime";

export const measureList = graphql`
  fragment MeasureList_collaborative on Collaborative
  @refetchable(queryName: "MeasureListPaginationQuery")
  @argumentDefinitions(
    first: { type: "Int", defaultValue: 10 }
    after: { type: "String" }
    last: { type: "Int" }
    before: { type: "String" }
  ) {
    measures(first: $first, after: $after, last: $last, before: $before)
      @connection(key: "MeasureList_measures") {
      totalCount
      edges {
        node {
          id
          ...MeasureRow_measure
        }
      }
    }
  }
`;
