// The page's queries: a collaborative with its measures, any node by id, and the viewer.
import { graphql } from "relay-runtime";

export const appQuery = graphql`
  query AppQuery($slug: String!) {
    collaborative(slug: $slug) {
      id
      name
      language
      ...MeasureList_collaborative
    }
    viewer {
      account {
        id
        email
      }
    }
  }
`;

export const nodeQuery = graphql`
  query AppNodeQuery($id: ID!) {
    node(id: $id) {
      id
      ...ProposalThread_proposal @alias(as: "proposal")
    }
  }
`;
