// A proposal's discussion and votes: every object in it is a Node Relay can refetch.
import { graphql } from "relay-runtime";

export const proposalThread = graphql`
  fragment ProposalThread_proposal on Proposal
  @refetchable(queryName: "ProposalThreadRefetchQuery") {
    id
    status
    comments {
      id
      authorName
      body
    }
    votes {
      id
      choice
      mine
    }
  }
`;
