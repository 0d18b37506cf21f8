export {parseCluster, CLUSTER_GPUS, InvalidClusterError, type ClusterGpu, type ClusterProfile} from "./clusterProfiles.js";
export {planCluster, routedExpertParameters, DEEPSEEK_V3_ACTIVE_PARAMETERS, GPU_MEMORY_UTILIZATION, type ClusterPlan, type ClusterPrecision, type EngineLaunch,
    type NodeCommand, type PlanClusterOptions} from "./planCluster.js";
